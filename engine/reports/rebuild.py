"""The counters computed from scratch, from the participants' histories and the messages: for an upgrade
(participants from before the counters existed), the benchmark's generated data, and `manage.py
reports_rebuild` when counters are in doubt. Incremental counting (engine/counting.py) must give the same
numbers; tests/engine/reports hold them to it.

Run it with the workers stopped: an event counted by a handler after the rebuild read its rows would be
counted twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

from django.db import transaction
from django.db.models import Count
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import TruncHour

from engine.core.definition import FlowDefinition
from engine.counting import COUNTED_WIDGETS, LIVE, TIMEOUT_EXITS, form_widgets, hour_of, value_labels
from engine.definitions import version_definition
from engine.models import Participant, ParticipantStep
from engine.reports.counters import counts_add
from engine.reports.models import HourCount, NodeCount
from flowdesigner.models import FlowVersion
from messaging.models import Message

FINISHED = ("completed", "failed", "exited")


def counts_from_history(version_ids: list[int]) -> tuple[Counter, Counter]:
    """({(version, node, metric, label): n}, {(version, hour ISO, metric): n}) as the histories say."""
    nodes: Counter = Counter()
    hours: Counter = Counter()
    steps = ParticipantStep.objects.filter(participant__version_id__in=version_ids)
    for row in steps.values("participant__version_id", "node_id").annotate(n=Count("id")):
        nodes[(row["participant__version_id"], row["node_id"], "entered", "")] += row["n"]
    left = steps.filter(left_at__isnull=False).values("participant__version_id", "node_id", "exit_name")
    for row in left.annotate(n=Count("id")):
        version, node = row["participant__version_id"], row["node_id"]
        nodes[(version, node, "exit", row["exit_name"])] += row["n"]
        if row["exit_name"] in TIMEOUT_EXITS:
            nodes[(version, node, "timed_out", "")] += row["n"]

    participants = Participant.objects.filter(version_id__in=version_ids)
    for row in participants.values("version_id", "status", "current_node").annotate(n=Count("id")):
        version, status, n = row["version_id"], row["status"], row["n"]
        nodes[(version, "", "entered", "")] += n
        if status in LIVE:
            nodes[(version, "", "active", "")] += n
            if row["current_node"]:
                nodes[(version, row["current_node"], "waiting", "")] += n
        else:
            nodes[(version, "", status, "")] += n
            if status == "failed" and row["current_node"]:
                nodes[(version, row["current_node"], "failed", "")] += n
    by_hour = participants.annotate(h=TruncHour("created_at", tzinfo=UTC))
    for row in by_hour.values("version_id", "h").annotate(n=Count("id")):
        hours[(row["version_id"], hour_of(row["h"]), "entered")] += row["n"]
    finished = (
        participants.filter(status__in=FINISHED, completed_at__isnull=False)
        .annotate(h=TruncHour("completed_at", tzinfo=UTC))
        .values("version_id", "status", "h")
        .annotate(n=Count("id"))
    )
    for row in finished:
        hours[(row["version_id"], hour_of(row["h"]), row["status"])] += row["n"]

    for version in FlowVersion.objects.filter(pk__in=version_ids):
        _count_values(nodes, version.pk, version_definition(version))

    sent = Message.objects.filter(direction=Message.Direction.OUT, participant__version_id__in=version_ids)
    for row in sent.values("participant__version_id", "channel", "status").annotate(n=Count("id")):
        label = f"{row['channel']}:{row['status']}"
        nodes[(row["participant__version_id"], "", "delivery", label)] += row["n"]
    return +nodes, +hours


def _count_values(nodes: Counter, version_id: int, defn: FlowDefinition) -> None:
    widgets = form_widgets(defn)
    if not any(kind in COUNTED_WIDGETS for kind in widgets.values()):
        return
    # Only state["steps"]: decoding whole states (history included) was 2/3 of a rebuild at 1,000,000.
    results_of = (
        Participant.objects.filter(version_id=version_id)
        .annotate(results=KeyTransform("steps", "state"))
        .values_list("results", flat=True)
    )
    for results in results_of.iterator(chunk_size=2000):
        for result in results or []:
            widget = widgets.get(result.get("step_id") or "")
            form_result = result.get("form_result") or {}
            if widget and isinstance(form_result, dict):
                for label in value_labels(widget, form_result.get("value")):
                    nodes[(version_id, result["step_id"], "value", label)] += 1


def counters_rebuild(version_ids: list[int] | None = None) -> int:
    """Replace the counters of these versions (all when None) by those computed from history; returns
    how many versions were rebuilt."""
    if version_ids is None:
        version_ids = list(FlowVersion.objects.values_list("pk", flat=True))
    for start in range(0, len(version_ids), 50):
        chunk = version_ids[start : start + 50]
        nodes, hours = counts_from_history(chunk)
        with transaction.atomic():
            NodeCount.objects.filter(version_id__in=chunk).delete()
            HourCount.objects.filter(version_id__in=chunk).delete()
            counts_add([[*key, n] for key, n in nodes.items()], [[*key, n] for key, n in hours.items()])
    return len(version_ids)
