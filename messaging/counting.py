"""Delivery counts for the flow reports: how many of a flow version's outbound messages are in each
status on each channel now, published as deltas of the reports' counters in the caller's transaction (the
"report.counts" outbox event, added up by engine/reports/handlers.py; engine/counting.py counts the
participants' moves with the same event)."""

from collections import Counter
from collections.abc import Iterable

from people import outbox

REPORT_COUNTS = "report.counts"


def delivery_moved(
    rows: Iterable[tuple[int | None, str, str | None, str]], *, into: Counter | None = None
) -> None:
    """(flow version id, channel, old status or None for a new message, new status) of outbound messages
    whose status just changed; messages outside a flow (version None) are not counted. The deltas are
    published as one counters event, or added to `into` (a caller's counter deltas keyed (version id,
    node id, metric, label), published by that caller with its own: one event per answer, not three)."""
    counts: Counter[tuple[int, str, str, str]] = Counter()
    for version_id, channel, old, new in rows:
        if version_id and old != new:
            counts[(version_id, "", "delivery", f"{channel}:{new}")] += 1
            if old:
                counts[(version_id, "", "delivery", f"{channel}:{old}")] -= 1
    if into is not None:
        into.update(counts)
        return
    nodes = [[*key, n] for key, n in sorted(counts.items()) if n]
    if nodes:
        outbox.publish(REPORT_COUNTS, {"nodes": nodes, "hours": []})
