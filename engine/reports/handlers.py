"""Adds the counter deltas of "report.counts" events (engine/counting.py, messaging/counting.py) to the
counters. Atomic: the additions commit with the event's completion, so each event counts exactly once,
also when a worker dies halfway (its transaction rolls back and the event is claimed again)."""

from engine.counting import TOPIC
from engine.live import flows_changed
from engine.reports.counters import counts_add
from flowdesigner.models import FlowVersion
from people import outbox


@outbox.handler(TOPIC, atomic=True, inline=True)
def on_report_counts(payload: dict, event_id: int) -> None:
    nodes, hours = payload.get("nodes") or [], payload.get("hours") or []
    counts_add(nodes, hours)
    version_ids = {row[0] for row in nodes} | {row[0] for row in hours}
    flows_changed(FlowVersion.objects.filter(pk__in=version_ids).values_list("flow_id", flat=True), "counts")
