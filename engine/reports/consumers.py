"""The staff pages' websocket for one flow (`/ws/flows/<id>/`): tells the results canvas, the performance
page and the flow page that counts or launches changed, so they fetch them again. Marketers and staff."""

import asyncio
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from engine.live import flow_group
from flowdesigner.models import Flow
from flowdesigner.roles import MARKETER, STAFF, has_role

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
# At most one "changed" of each kind per this many seconds per socket: a launch or a busy flow changes
# its counts many times a second, and each one makes the page fetch again.
COALESCE_SECONDS = 0.5


@database_sync_to_async
def _allowed(user, flow_id: int) -> int:
    if not has_role(user, MARKETER, STAFF):
        return CLOSE_FORBIDDEN
    if not Flow.objects.filter(pk=flow_id).exists():
        return CLOSE_NOT_FOUND
    return 0


class FlowLiveConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        self.last_sent: dict[str, float] = {}
        self.pending: set[str] = set()
        self.tasks: set[asyncio.Task] = set()
        user = self.scope.get("user")
        await self.accept()  # first, so the browser sees our close code and stops reconnecting
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_NOT_LOGGED_IN)
            return
        refused = await _allowed(user, int(self.scope["url_route"]["kwargs"]["flow_id"]))
        if refused:
            await self.close(code=refused)
            return
        self.group = flow_group(int(self.scope["url_route"]["kwargs"]["flow_id"]))
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for task in self.tasks:
            task.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs) -> None:
        await self.send_json({"type": "error", "detail": "This socket only sends; nothing to ask."})

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        # Whatever the browser sends is answered the same way, without parsing it.
        await self.receive_json(None)

    async def flow_changed(self, event: dict) -> None:
        what = str(event.get("what") or "counts")
        if what in self.pending:
            return  # a send of this kind is already scheduled; it will say the same
        wait = self.last_sent.get(what, 0) + COALESCE_SECONDS - time.monotonic()
        if wait > 0:
            # Not sleeping here: events of this consumer are handled one after the other, so a sleep
            # would let a busy flow's events pile up behind it.
            self.pending.add(what)
            self.tasks.add(asyncio.create_task(self._send_later(what, wait)))
            return
        await self._send(what)

    async def _send_later(self, what: str, wait: float) -> None:
        await asyncio.sleep(wait)
        self.pending.discard(what)
        await self._send(what)

    async def _send(self, what: str) -> None:
        self.last_sent[what] = time.monotonic()
        await self.send_json({"type": "changed", "what": what})
