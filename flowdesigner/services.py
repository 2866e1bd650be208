"""Designer services: flows, draft saves with conflict detection, publishing versions."""

from django.db import transaction
from django.db.models import F, Max

from engine.checks import definition_issues
from engine.core.issues import Issue
from engine.triggers import triggers_sync
from flowdesigner.models import Flow, FlowVersion
from flowdesigner.rogerthat.xml_export import export_xml
from flowdesigner.rogerthat.xml_import import import_xml


class StaleRevision(Exception):
    """A save based on a revision that is no longer the newest; it is refused, never merged."""

    def __init__(self, *, current: int, given: int) -> None:
        super().__init__(
            f"This flow was changed by someone else since you opened it (it is now at revision {current}, "
            f"your copy is revision {given}). Reload to see their changes; your edit was not saved."
        )
        self.current = current
        self.given = given


class PublishRefused(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        super().__init__(f"Fix the {len(issues)} issue(s) on the canvas before publishing.")
        self.issues = issues


@transaction.atomic
def flow_create(*, name: str, callback_url: str = "", user=None, definition: dict | None = None) -> Flow:
    """Create a flow with an empty (or given) draft."""
    flow = Flow(name=name.strip(), callback_url=callback_url, created_by=user)
    if definition is not None:
        flow.draft_definition = definition
    flow.save()
    return flow


@transaction.atomic
def flow_draft_save(*, flow_id: int, definition: dict, revision: int) -> tuple[Flow, list[Issue]]:
    """Store a new draft if `revision` is the current one; returns the flow and its issues.

    The conditional UPDATE is the conflict check: it matches no row when someone else saved in
    between, on SQLite and PostgreSQL alike.
    """
    updated = Flow.objects.filter(pk=flow_id, draft_revision=revision).update(
        draft_definition=definition, draft_revision=F("draft_revision") + 1
    )
    flow = Flow.objects.get(pk=flow_id)
    if not updated:
        raise StaleRevision(current=flow.draft_revision, given=revision)
    return flow, definition_issues(definition)


@transaction.atomic
def flow_publish(*, flow_id: int, revision: int, user=None) -> FlowVersion:
    """Freeze the current draft into a new immutable version, if it validates. In an active flow, the new
    version is the one triggers and integrations enter people into from now on."""
    flow = Flow.objects.select_for_update().get(pk=flow_id)
    if flow.draft_revision != revision:
        raise StaleRevision(current=flow.draft_revision, given=revision)
    issues = definition_issues(flow.draft_definition)
    if issues:
        raise PublishRefused(issues)
    number = (flow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = FlowVersion.objects.create(
        flow=flow, number=number, definition=flow.draft_definition, published_by=user
    )
    if flow.status == Flow.Status.ACTIVE:
        # The new version takes over the flow's triggers and integrations at once.
        triggers_sync(flow)
    return version


@transaction.atomic
def flow_import_rogerthat(*, data: bytes, user=None, name: str | None = None) -> Flow:
    """Create a flow whose draft is the given Rogerthat XML; nothing is created if it fails
    (raises RogerthatImportError listing every problem)."""
    imported = import_xml(data)
    return flow_create(name=name or imported.name, user=user, definition=imported.definition)


def flow_export_rogerthat(*, flow: Flow, version: FlowVersion | None = None) -> bytes:
    """The draft (or a published version) as Rogerthat XML."""
    definition = version.definition if version is not None else flow.draft_definition
    return export_xml(definition, name=flow.name)
