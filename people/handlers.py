"""Outbox handlers of the people app (registered in PeopleConfig.ready)."""

from django.conf import settings

from people import imports, outbox


@outbox.handler(imports.IMPORT_RUN, atomic=False, lease_seconds=60)
def on_import_run(payload: dict, event_id: int) -> None:
    imports.person_import_run(payload["import_id"], slice_seconds=settings.IMPORT_SLICE_SECONDS)
