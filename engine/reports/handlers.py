"""Adds the counter deltas of "report.counts" events (engine/counting.py, messaging/counting.py) to the
counters. Atomic: the additions commit with the events' completion, so each event counts exactly once,
also when a worker dies halfway (its transaction rolls back and the events are claimed again). A batch
handler: the deltas of every event claimed at once are added together, rows of the same counter summed
first."""

from engine.counting import TOPIC
from engine.live import flows_changed
from engine.reports.counters import counts_add
from flowdesigner.models import FlowVersion
from people import outbox


@outbox.handler(TOPIC, batch=True)
def on_report_counts(payloads: list[dict], event_ids: list[int]) -> None:
    # Not inline: a request that moved people does not also pay for counting them; the worker adds
    # up every pending event in one transaction (a second or so later: WORKER_POLL_SECONDS).
    nodes = [row for payload in payloads for row in payload.get("nodes") or []]
    hours = [row for payload in payloads for row in payload.get("hours") or []]
    counts_add(nodes, hours)
    version_ids = {row[0] for row in nodes} | {row[0] for row in hours}
    flows_changed(FlowVersion.objects.filter(pk__in=version_ids).values_list("flow_id", flat=True), "counts")
