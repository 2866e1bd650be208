"""Designer services: flows, draft saves with conflict detection, publishing versions."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Max

from engine.checks import database_issues
from engine.core import definition as core_definition
from engine.core.issues import Issue
from engine.core.validate import validate
from engine.triggers import triggers_sync
from flowdesigner.draft_issues import core_record, draft_issues
from flowdesigner.models import Flow, FlowVersion, RecordedRun
from flowdesigner.rogerthat.replay import ReplayReport, replay
from flowdesigner.rogerthat.runs import moment
from flowdesigner.rogerthat.xml_export import export_xml
from flowdesigner.rogerthat.xml_import import ENTRY_ID, import_xml


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
    between, on SQLite and PostgreSQL alike. The core's issues are stored with the new revision (reading
    the flow then validates nothing); they are found before the UPDATE, which holds the row's write lock.
    """
    core = validate(definition)
    updated = Flow.objects.filter(pk=flow_id, draft_revision=revision).update(
        draft_definition=definition,
        draft_revision=F("draft_revision") + 1,
        draft_issues=core_record(core, revision=revision + 1),
    )
    # The draft just written is not read back: decoding a large definition again costs as much as the save.
    flow = Flow.objects.defer("draft_definition", "draft_issues").get(pk=flow_id)
    if not updated:
        raise StaleRevision(current=flow.draft_revision, given=revision)
    return flow, core + database_issues(definition, core)


@transaction.atomic
def flow_publish(*, flow_id: int, revision: int, user=None) -> FlowVersion:
    """Freeze the current draft into a new immutable version, if it validates. In an active flow, the new
    version is the one triggers and integrations enter people into from now on."""
    flow = Flow.objects.select_for_update().get(pk=flow_id)
    if flow.draft_revision != revision:
        raise StaleRevision(current=flow.draft_revision, given=revision)
    issues = draft_issues(flow)  # the stored core issues of this revision, and the database checks now
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


@dataclass
class RogerthatImport:
    """A Rogerthat import: the new flow, the defaults taken (warnings to show), the recorded runs stored."""

    flow: Flow
    warnings: list[str] = field(default_factory=list)
    runs: list[RecordedRun] = field(default_factory=list)


@transaction.atomic
def flow_import_rogerthat_report(*, data: bytes, user=None, name: str | None = None) -> RogerthatImport:
    """Create a flow whose draft is the given Rogerthat XML, and store the recorded runs of a messageFlowRun;
    nothing is created if it fails (raises RogerthatImportError listing every problem)."""
    imported = import_xml(data)
    flow = flow_create(name=name or imported.name, user=user, definition=imported.definition)
    runs = [
        RecordedRun.objects.create(
            flow=flow,
            member_email=run["member"]["email"],
            member_name=run["member"]["name"],
            app_id=run["member"]["app_id"],
            language=run["language"],
            status=run["status"] or "",
            launched_at=moment(run["launched_at"]),
            end_reference=(run["end"] or {}).get("element") or "",
            end_node_id=(run["end"] or {}).get("node_id") or "",
            steps=run["steps"],
        )
        for run in imported.runs
    ]
    return RogerthatImport(flow=flow, warnings=imported.warnings, runs=runs)


def flow_import_rogerthat(*, data: bytes, user=None, name: str | None = None) -> Flow:
    """Create a flow whose draft is the given Rogerthat XML (see flow_import_rogerthat_report)."""
    return flow_import_rogerthat_report(data=data, user=user, name=name).flow


class ReplayRefused(Exception):
    """The run cannot be replayed (no such run or version, or a draft that does not load)."""


def recorded_run_replay(*, run_id: int, version: int | None = None, draft: bool = False) -> ReplayReport:
    """Replay a recorded Rogerthat run through the engine core against its flow: the given published
    `version`, else the draft when `draft` (or when nothing is published yet), else the latest version.
    Sends nothing and stores nothing."""
    try:
        run = RecordedRun.objects.select_related("flow").get(pk=run_id)
    except RecordedRun.DoesNotExist:
        raise ReplayRefused(f"There is no recorded run {run_id}.") from None
    flow = run.flow
    if version is not None:
        found = flow.versions.filter(number=version).first()
        if found is None:
            raise ReplayRefused(f'Flow "{flow.name}" has no published version {version}.')
        document = found.definition
    else:
        latest = None if draft else flow.latest_version
        document = latest.definition if latest is not None else flow.draft_definition
    try:
        defn = core_definition.load(document)
    except core_definition.DefinitionError as exc:
        raise ReplayRefused(f"The flow cannot be loaded: {exc}") from None
    entry = ENTRY_ID if ENTRY_ID in defn.nodes else next((n.id for n in defn.entries()), None)
    if entry is None:
        raise ReplayRefused(f'Flow "{flow.name}" has no entry point to start the run at.')
    return replay(defn, run.as_record(), entry_id=entry)


def flow_export_rogerthat(*, flow: Flow, version: FlowVersion | None = None) -> bytes:
    """The draft (or a published version) as Rogerthat XML."""
    definition = version.definition if version is not None else flow.draft_definition
    return export_xml(definition, name=flow.name)


def flow_version_restore(*, flow_id: int, number: int, revision: int) -> tuple[Flow, list[Issue]]:
    """Make published version `number` the flow's draft, as a new draft revision; returns the flow and the
    draft's issues. Goes through `flow_draft_save`, so a stale `revision` raises StaleRevision and the
    issues are computed exactly as for any save; raises FlowVersion.DoesNotExist for an unknown version.
    The version itself is never touched (versions are immutable)."""
    version = FlowVersion.objects.get(flow_id=flow_id, number=number)
    return flow_draft_save(flow_id=flow_id, definition=version.definition, revision=revision)
