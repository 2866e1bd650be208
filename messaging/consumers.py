"""The end user's inbox websocket: one Channels group per person."""

import json

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from flowdesigner.parsers import TOO_DEEP, json_too_deep
from flowdesigner.roles import END_USER, has_role
from messaging import presence, selectors
from messaging.batching import Batcher
from messaging.services import inbox_group

CLOSE_NOT_LOGGED_IN = 4401
CLOSE_FORBIDDEN = 4403


def _inbox_person_id(user) -> int | None:
    # No query: flowdesigner.asgi.SocketAuthMiddleware loaded the roles and the person with the user.
    if not has_role(user, END_USER):
        return None
    person = getattr(user, "person", None)
    return person.pk if person else None


async def _read_inboxes(person_ids: list[int]) -> list[list[dict]]:
    inboxes = await database_sync_to_async(selectors.inbox_messages_many)(person_ids)
    return [inboxes[person_id] for person_id in person_ids]


# The syncs of sockets opening together (after a restart, all of them) in one database call.
_syncs = Batcher(_read_inboxes)


class InboxConsumer(AsyncJsonWebsocketConsumer):
    person_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._refuse(CLOSE_NOT_LOGGED_IN)
            return
        self.person_id = _inbox_person_id(user)
        if self.person_id is None:
            await self._refuse(CLOSE_FORBIDDEN)
            return
        # Open first: after a restart thousands of sockets reconnect at once, and a handshake left waiting
        # behind their database calls is dropped by daphne (the clients retry, and the queue only grows).
        # Nothing is missed meanwhile: the browser syncs once open, and a consumer handles its messages
        # one at a time, so that sync is read after the group join and the presence row below; a message
        # committed before the row is in the sync, one committed after it is pushed. Sockets connecting
        # together join their groups in one Redis pipeline and write their rows in one transaction.
        await self.accept()
        await presence.socket_opened(
            self.channel_name, self.person_id, layer=self.channel_layer, group=inbox_group(self.person_id)
        )

    async def dispatch(self, message) -> None:
        # As channels' dispatch, without its close_old_connections() before every handler: a hop to the
        # database thread per connect, per frame and per push, a tenth of a connect's CPU. This consumer
        # reaches the database only through database_sync_to_async, which closes them itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def _refuse(self, code: int) -> None:
        # Accept before closing so the browser sees our close code and stops reconnecting.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.person_id is not None:
            # The row first, then the group (in one batch with other closing sockets): "online" always
            # means the push arrives.
            await presence.socket_closed(
                self.channel_name, layer=self.channel_layer, group=inbox_group(self.person_id)
            )

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if json_too_deep(text_data or ""):  # json.loads would raise RecursionError and drop the socket
            await self.send_json({"type": "error", "detail": TOO_DEEP})
            return
        try:
            content = json.loads(text_data or "")
        except ValueError:
            await self.send_json({"type": "error", "detail": "Messages must be JSON."})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if self.person_id is None:
            return
        if isinstance(content, dict) and content.get("type") == "sync":
            messages = await _syncs.submit(self.person_id)
            await self.send_json({"type": "messages", "messages": messages})
        else:
            await self.send_json({"type": "error", "detail": 'Unknown request; send {"type": "sync"}.'})

    async def inbox_message(self, event: dict) -> None:
        await self.send_json({"type": "message", "message": event["message"]})
