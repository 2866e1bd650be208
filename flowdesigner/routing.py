"""Websocket routes. Channels' URLRouter raises ValueError for a path no route matches (a traceback in
the logs, and a handshake that fails without a reason), so the last route takes every other path and
closes the socket cleanly."""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from engine.reports.consumers import FlowLiveConsumer
from messaging.consumers import InboxConsumer

# Like the inbox's 4401 (not logged in) and 4403 (no inbox): an application close code, here "no such
# websocket", which a client should not retry.
CLOSE_NOT_FOUND = 4404


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any websocket path we do not serve: accepted, then closed with CLOSE_NOT_FOUND (accepting first, so
    the client sees the close code rather than a failed handshake it would retry)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=CLOSE_NOT_FOUND)


websocket_urlpatterns = [
    path("ws/inbox/", InboxConsumer.as_asgi()),
    path("ws/flows/<int:flow_id>/", FlowLiveConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),  # last: every other path
]
