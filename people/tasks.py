"""django-q2 tasks of the people app: take ids, call one service. (Imports run as outbox events: see
people/handlers.py.)"""

from datetime import timedelta

from django.conf import settings

from people import imports
from people.outbox import worker


def person_import_run(import_id: int) -> None:
    imports.person_import_run(import_id)


def outbox_purge() -> int:
    """Delete outbox events handled more than OUTBOX_KEEP_DAYS ago (a daily django-q2 schedule)."""
    return worker.purge_done(older_than=timedelta(days=settings.OUTBOX_KEEP_DAYS))
