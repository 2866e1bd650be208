"""The reports' counters as stored, and the same numbers worked out row by row from the participants' real
histories and messages (independently of engine/reports/rebuild.py's SQL), for tests to compare."""

from collections import Counter

from engine.models import Participant
from engine.reports.models import HourCount, NodeCount
from messaging.models import Message

TIMEOUT_EXITS = {"no_answer", "timed_out"}


def stored(version_ids, *, values: bool = False) -> dict:
    rows = NodeCount.objects.filter(version_id__in=version_ids).exclude(total=0)
    if not values:
        rows = rows.exclude(metric="value")
    return {(r.version_id, r.node_id, r.metric, r.label): r.total for r in rows}


def stored_hours_by_metric(version_ids) -> dict:
    totals: Counter = Counter()
    for row in HourCount.objects.filter(version_id__in=version_ids):
        totals[(row.version_id, row.metric)] += row.total
    return dict(+totals)


def from_history(version_ids) -> dict:
    counts: Counter = Counter()
    for p in Participant.objects.filter(version_id__in=version_ids).prefetch_related("steps"):
        v = p.version_id
        counts[(v, "", "entered", "")] += 1
        if p.status in ("active", "waiting"):
            counts[(v, "", "active", "")] += 1
            counts[(v, p.current_node, "waiting", "")] += 1
        else:
            counts[(v, "", p.status, "")] += 1
        if p.status == "failed":
            counts[(v, p.current_node, "failed", "")] += 1
        for step in p.steps.all():
            counts[(v, step.node_id, "entered", "")] += 1
            if step.left_at is not None:
                counts[(v, step.node_id, "exit", step.exit_name)] += 1
                if step.exit_name in TIMEOUT_EXITS:
                    counts[(v, step.node_id, "timed_out", "")] += 1
    sent = Message.objects.filter(direction="out", participant__version_id__in=version_ids)
    for m in sent.select_related("participant"):
        counts[(m.participant.version_id, "", "delivery", f"{m.channel}:{m.status}")] += 1
    return dict(+counts)


def hours_from_history(version_ids) -> dict:
    totals: Counter = Counter()
    for p in Participant.objects.filter(version_id__in=version_ids):
        totals[(p.version_id, "entered")] += 1
        if p.status in ("completed", "failed", "exited"):
            totals[(p.version_id, p.status)] += 1
    return dict(+totals)
