"""Live updates for staff pages: "something of this flow changed" sent to the Channels group
`flow.<id>` after the transaction commits. Best effort by design: a page that misses one (it was
reconnecting) fetches everything again when its socket opens (engine/reports/consumers.py)."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def flow_group(flow_id: int) -> str:
    return f"flow.{flow_id}"


def flows_changed(flow_ids, what: str) -> None:
    """Tell the open pages of these flows that `what` ("counts", "launches") changed, after commit."""
    flow_ids = sorted(set(flow_ids))
    if flow_ids:
        transaction.on_commit(lambda: _notify(flow_ids, what))


def _notify(flow_ids: list[int], what: str) -> None:
    # Never raises: the change it announces is committed, and a page that misses the news fetches again
    # when its socket reconnects. (A channel layer that is down, or a caller in a thread running an event
    # loop, where async_to_sync refuses to run, must not turn a committed change into an error.)
    try:
        async_to_sync(_send)(flow_ids, what)
    except Exception:
        logger.warning("Could not tell the pages of flows %s that %s changed", flow_ids, what, exc_info=True)


async def _send(flow_ids: list[int], what: str) -> None:
    layer = get_channel_layer()
    for flow_id in flow_ids:
        await layer.group_send(flow_group(flow_id), {"type": "flow.changed", "what": what})
