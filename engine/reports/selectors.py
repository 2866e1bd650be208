"""Reading the flow reports: counters summed per element (one version or all), activity over time, the
latest answers of a Form message, participants with filters and one participant's path. Everything here
reads the counters or an index; nothing counts participants."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import BooleanField, Count, QuerySet, Sum
from django.db.models.expressions import RawSQL

from engine.counting import LIVE
from engine.flow_api.models import FlowApiOperation
from engine.models import Participant, ParticipantStep
from engine.reports.models import HourCount, NodeCount
from engine.sftp.models import SftpFile
from flowdesigner.models import Flow, FlowVersion
from messaging.models import Message

FLOW_METRICS = ("entered", "active", "completed", "failed", "exited")
FINISHED = ("completed", "failed", "exited")
MAX_BUCKETS = 2000
PAGE_SIZE = 50
# Participants in the flow now (LIVE) as SQL literals, the condition of the participant_waiting_at index
# (engine/models.py) repeated verbatim: SQLite uses a partial index only then.
_LIVE_LIST = ", ".join(f"'{status}'" for status in LIVE)
LIVE_SQL = RawSQL(  # noqa: S611 (our constants, no input)
    f'"engine_participant"."status" IN ({_LIVE_LIST})', [], output_field=BooleanField()
)
# Form widgets whose answers are listed (the others are counted by value: engine/counting.py).
LISTED_WIDGETS = ("text_line", "text_block", "auto_complete", "gps_location", "photo_upload")


class ReportInputError(ValueError):
    """A query parameter that cannot be used (a 400 with this sentence)."""


class ReportNotFound(LookupError):
    """Something the request names does not exist (a 404 with this sentence)."""


def version_for(flow: Flow, number: str | None) -> FlowVersion | None:
    """The flow's version with this number, None for "all versions" (no number given)."""
    if number in (None, ""):
        return None
    try:
        value = int(number)
    except (TypeError, ValueError):
        raise ReportInputError(f"version: {number!r} is not a version number.") from None
    version = FlowVersion.objects.filter(flow=flow, number=value).first()
    if version is None:
        raise ReportNotFound(f"This flow has no version {value}.")
    return version


def _versions(flow: Flow, version: FlowVersion | None):
    return [version.pk] if version else FlowVersion.objects.filter(flow=flow).values("pk")


def flow_report(flow: Flow, version: FlowVersion | None) -> dict:
    """Every counter of one version (or all versions summed per element id), with the definition the
    canvas draws them on (that version's, or the newest)."""
    rows = (
        NodeCount.objects.filter(version_id__in=_versions(flow, version))
        .values("node_id", "metric", "label")
        .annotate(total=Sum("total"))
    )
    totals = dict.fromkeys(FLOW_METRICS, 0)
    nodes: dict[str, dict] = {}
    delivery: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        node_id, metric, label, total = row["node_id"], row["metric"], row["label"], row["total"]
        if not total:
            continue
        if not node_id:
            if metric == "delivery":
                channel, _, status = label.partition(":")
                delivery[channel][status] = total
            elif metric in totals:
                totals[metric] = total
            continue
        node = nodes.setdefault(node_id, {"entered": 0, "waiting": 0, "timed_out": 0, "failed": 0})
        if metric == "exit":
            node.setdefault("exits", {})[label] = total
        elif metric == "value":
            node.setdefault("values", {})[label] = total
        else:
            node[metric] = total
    versions = versions_newest_first(flow)
    shown = version or (versions[0] if versions else None)
    return {
        "flow": {"id": flow.pk, "name": flow.name, "status": flow.status},
        "version": version.number if version else None,
        "versions": [{"number": v.number, "published_at": v.published_at} for v in versions],
        "definition": shown.definition if shown else None,
        "totals": totals,
        "nodes": nodes,
        "delivery": dict(delivery),
        "sources": _sources(flow),
    }


def versions_newest_first(flow: Flow, version: FlowVersion | None = None) -> list[FlowVersion]:
    """That version, or every version of the flow, newest first."""
    return [version] if version else list(FlowVersion.objects.filter(flow=flow).order_by("-number"))


def definition_nodes(version: FlowVersion) -> list[dict]:
    """The elements of a version's definition (as stored: dicts with an id)."""
    return [n for n in version.definition.get("nodes") or [] if isinstance(n, dict) and n.get("id")]


def flow_nodes(flow: Flow, version: FlowVersion | None) -> dict[str, dict]:
    """Element id -> element of that version, or of the newest version that has it."""
    found: dict[str, dict] = {}
    for candidate in versions_newest_first(flow, version):
        for node in definition_nodes(candidate):
            found.setdefault(node["id"], node)
    return found


def exit_totals(flow: Flow) -> list[dict]:
    """How many participants of any version finished at each Exit (the seed: Exit "helps calculate how
    many customers from a specific communication branch finished the flow"), named as in the newest
    version that has it, most first."""
    rows = (
        NodeCount.objects.filter(version__flow=flow, metric="exit", label="")
        .exclude(node_id="")
        .values("node_id")
        .annotate(count=Sum("total"))
        .filter(count__gt=0)
    )
    names = {
        node_id: (node.get("config") or {}).get("name") or node_id
        for node_id, node in flow_nodes(flow, None).items()
        if node.get("type") == "exit"
    }
    found = [
        {"node_id": r["node_id"], "name": names[r["node_id"]], "count": r["count"]}
        for r in rows
        if r["node_id"] in names
    ]
    return sorted(found, key=lambda row: (-row["count"], row["node_id"]))


def _sources(flow: Flow) -> dict:
    """Flow API operations and SFTP files that entered people into this flow, with valid/invalid rows."""
    api = FlowApiOperation.objects.filter(flow=flow).aggregate(
        operations=Count("id"), valid=Sum("accepted"), invalid=Sum("rejected")
    )
    files = SftpFile.objects.filter(flow=flow).aggregate(
        files=Count("id"), valid=Sum("rows_valid"), invalid=Sum("rows_invalid")
    )
    return {
        "flow_api": {key: value or 0 for key, value in api.items()},
        "sftp": {key: value or 0 for key, value in files.items()},
    }


@dataclass(frozen=True)
class Range:
    start: datetime
    end: datetime
    bucket: str


def activity_range(start: str | None, end: str | None, bucket: str | None, *, now: datetime) -> Range:
    """The range and bucket asked for, checked: defaults to the last 7 days by hour."""
    end_at = _moment(end, "end") if end else now
    start_at = _moment(start, "start") if start else end_at - timedelta(days=7)
    if start_at > end_at:
        raise ReportInputError("start is after end: choose a start before the end.")
    if bucket in (None, ""):
        bucket = "hour" if end_at - start_at <= timedelta(days=14) else "day"
    if bucket not in ("hour", "day"):
        raise ReportInputError('bucket must be "hour" or "day".')
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    if (end_at - start_at) / step > MAX_BUCKETS:
        raise ReportInputError(
            f"That range has more than {MAX_BUCKETS} {bucket}s: choose a shorter one or days."
        )
    return Range(start_at, end_at, bucket)


def _moment(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ReportInputError(f"{name}: {text!r} is not a date or time (use ISO 8601).") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _floor(moment: datetime, bucket: str) -> datetime:
    moment = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if bucket == "day" else moment


def activity(flow: Flow, version: FlowVersion | None, span: Range) -> dict:
    """Entered, completed, failed and exited per bucket (UTC hours or days), every bucket of the range
    present, and how many were in the flow at the end of each."""
    versions = _versions(flow, version)
    first = _floor(span.start, span.bucket)
    step = timedelta(hours=1) if span.bucket == "hour" else timedelta(days=1)
    before = HourCount.objects.filter(version_id__in=versions, hour__lt=first).values("metric")
    active = 0
    for row in before.annotate(total=Sum("total")):
        active += row["total"] if row["metric"] == "entered" else -row["total"]
    per_bucket: dict[datetime, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = HourCount.objects.filter(version_id__in=versions, hour__gte=first, hour__lte=span.end)
    for hour, metric, total in rows.values_list("hour", "metric", "total"):
        per_bucket[_floor(hour, span.bucket)][metric] += total
    series = []
    at = first
    while at <= span.end:
        counts = per_bucket.get(at, {})
        entered = counts.get("entered", 0)
        active += entered - sum(counts.get(m, 0) for m in FINISHED)
        series.append(
            {
                "at": at.isoformat(),
                "entered": entered,
                **{m: counts.get(m, 0) for m in FINISHED},
                "active": active,
            }
        )
        at += step
    return {
        "bucket": span.bucket,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
        "series": series,
    }


def node_of(flow: Flow, version: FlowVersion | None, node_id: str) -> dict:
    """The element `node_id` of that version (or of the newest version that has it)."""
    for candidate in versions_newest_first(flow, version):
        for node in definition_nodes(candidate):
            if node["id"] == node_id:
                return node
    where = f"version {version.number}" if version else "any version of this flow"
    raise ReportNotFound(f'There is no element "{node_id}" in {where}.')


def latest_answers(flow: Flow, version: FlowVersion | None, node_id: str, *, limit: int) -> dict:
    """The latest answers given to one Form message (text, locations, photos are listed, not counted)."""
    node = node_of(flow, version, node_id)
    if node.get("type") != "form_message":
        raise ReportInputError(f'"{node_id}" is not a Form message.')
    messages = (
        Message.objects.filter(
            node_id=node_id,
            form_result__isnull=False,
            participant__version_id__in=_versions(flow, version),
            direction=Message.Direction.OUT,
        )
        .select_related("person")
        .order_by("-answered_at", "-id")[:limit]
    )
    return {
        "node_id": node_id,
        "widget": ((node.get("config") or {}).get("widget") or {}).get("type", ""),
        "answers": [
            {
                "participant": m.participant_id,
                "person": person_brief(m.person),
                "at": m.answered_at,
                "value": (m.form_result or {}).get("value"),
                "display": m.display_value,
            }
            for m in messages
        ],
    }


def person_brief(person) -> dict | None:
    if person is None:
        return None
    return {"id": person.pk, "name": str(person)}


@dataclass(frozen=True)
class ParticipantFilters:
    version: FlowVersion | None = None
    element: str = ""
    status: str = ""
    answer: tuple[str, str] | None = None
    launch: int | None = None
    launch_tag: str = ""


def participant_filters(flow: Flow, params) -> ParticipantFilters:
    """The filters of the participants list and export from query parameters, checked."""
    version = version_for(flow, params.get("version"))
    element = (params.get("element") or "").strip()
    if element:
        node_of(flow, version, element)
    status = (params.get("status") or "").strip()
    if status and status not in Participant.Status.values:
        raise ReportInputError(f"status must be one of {', '.join(Participant.Status.values)}.")
    answer = None
    if params.get("answer"):
        node_id, sep, exit_name = params["answer"].partition(":")
        if not sep or not node_id:
            raise ReportInputError('answer is "element:exit", e.g. "ask:yes".')
        node_of(flow, version, node_id)
        answer = (node_id, exit_name)
    launch = None
    if params.get("launch"):
        try:
            launch = int(params["launch"])
        except ValueError:
            raise ReportInputError(f"launch: {params['launch']!r} is not a launch id.") from None
    return ParticipantFilters(
        version, element, status, answer, launch, (params.get("launch_tag") or "").strip()
    )


def participants(flow: Flow, filters: ParticipantFilters) -> QuerySet[Participant]:
    """The flow's participants matching the filters, newest first."""
    # The version ids as values, not a join on the flow: with one version the planner sees version_id = N
    # and walks the participant_waiting_at index backwards instead of the whole primary key.
    if filters.version:
        versions = [filters.version.pk]
    else:
        versions = list(FlowVersion.objects.filter(flow=flow).values_list("pk", flat=True))
    found = Participant.objects.filter(version_id__in=versions)
    if filters.element:
        # The statuses as SQL literals, not parameters: SQLite uses the partial index participant_waiting_at
        # only when the query repeats its condition (a bound parameter is no proof); without it an element
        # nobody waits at reads the whole table (1.7 s at 1,000,000 participants).
        found = found.filter(current_node=filters.element).filter(LIVE_SQL)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.answer:
        node_id, exit_name = filters.answer
        # IN (the ids that took that exit), not a correlated EXISTS: SQLite runs an EXISTS once per
        # participant, 1.3 s at 1,000,000 for an exit nobody took; the list comes from participantstep_exit.
        passed = ParticipantStep.objects.filter(node_id=node_id, exit_name=exit_name, left_at__isnull=False)
        found = found.filter(pk__in=passed.values("participant_id"))
    if filters.launch:
        found = found.filter(launch_id=filters.launch)
    if filters.launch_tag:
        found = found.filter(launch__launch_tag=filters.launch_tag)
    return found.order_by("-id")


def participants_page(
    flow: Flow, filters: ParticipantFilters, cursor: str | None, *, limit: int = PAGE_SIZE
) -> dict:
    """One page of `limit` participants (newest first) and the cursor of the next page, if any."""
    found = participants(flow, filters)
    if cursor:
        try:
            found = found.filter(pk__lt=int(cursor))
        except ValueError:
            raise ReportInputError('cursor: use the value of "next" from the previous page.') from None
    # Ids first (the participant table and its indexes only), then the page's rows: a sort never carries
    # the state JSON, nor the version's definition joined onto every row.
    ids = list(found.values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    rows = Participant.objects.filter(pk__in=ids).select_related("person", "version", "launch")
    by_id = {p.pk: p for p in rows.defer("state", "version__definition")}
    page = [by_id[pk] for pk in ids]
    return {
        "results": [participant_row(p) for p in page],
        "next": str(page[-1].pk) if more else None,
    }


def page_limit(value: str | None, *, most: int = 200) -> int:
    """A `limit` query parameter: 1 to `most`, PAGE_SIZE when absent."""
    if value in (None, ""):
        return PAGE_SIZE
    try:
        limit = int(value)
    except ValueError:
        limit = 0
    if not 1 <= limit <= most:
        raise ReportInputError(f"limit is a whole number from 1 to {most}.")
    return limit


def participant_row(p: Participant) -> dict:
    return {
        "id": p.pk,
        "person": person_brief(p.person),
        "version": p.version.number,
        "status": p.status,
        "current_node": p.current_node,
        "launch": p.launch_id,
        "launch_tag": p.launch.launch_tag if p.launch else "",
        "created_at": p.created_at,
        "completed_at": p.completed_at,
    }


def participant_detail(p: Participant) -> dict:
    """A participant with their path through the flow and their messages."""
    steps = ParticipantStep.objects.filter(participant=p).order_by("seq")
    messages = Message.objects.filter(participant=p).order_by("id")
    return {
        **participant_row(p),
        "flow": p.version.flow_id,
        "path": [
            {
                "seq": s.seq,
                "node_id": s.node_id,
                "node_type": s.node_type,
                "entered_at": s.entered_at,
                "left_at": s.left_at,
                "exit": s.exit_name,
            }
            for s in steps
        ],
        "messages": [
            {
                "id": m.pk,
                "node_id": m.node_id,
                "direction": m.direction,
                "channel": m.channel,
                "status": m.status,
                "text": m.text,
                "at": m.created_at,
                "answer": m.display_value or m.answered_caption or "",
            }
            for m in messages
        ],
        "results": p.state.get("steps") or [],
    }
