"""Live updates for staff pages: "something of this flow changed" sent to the Channels group
`flow.<id>` after the transaction commits. Best effort by design: a page that misses one (it was
reconnecting) fetches everything again when its socket opens (engine/reports/consumers.py)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def flow_group(flow_id: int) -> str:
    return f"flow.{flow_id}"


def flows_changed(flow_ids, what: str) -> None:
    """Tell the open pages of these flows that `what` ("counts", "launches") changed, after commit."""
    flow_ids = sorted(set(flow_ids))
    if flow_ids:
        transaction.on_commit(lambda: async_to_sync(_send)(flow_ids, what))


async def _send(flow_ids: list[int], what: str) -> None:
    layer = get_channel_layer()
    for flow_id in flow_ids:
        await layer.group_send(flow_group(flow_id), {"type": "flow.changed", "what": what})
