"""ASGI entry point: Django for HTTP, Channels for websockets (served together by daphne).

Request bodies are limited before anything parses them (flowdesigner/limits.py): in the ASGI layer
for any server, and inside daphne, which otherwise receives and parses a whole body before the
application runs.

Websockets authenticate with the session cookie (SocketAuthMiddleware below)."""

import asyncio
import os
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")

import django  # noqa: E402

django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application does

from flowdesigner.http import OneHopASGIHandler  # noqa: E402

django_asgi_app = OneHopASGIHandler()

from channels.auth import AuthMiddleware, get_user  # noqa: E402
from channels.db import database_sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402

from flowdesigner.limits import BodyLimitMiddleware, install_daphne_guard  # noqa: E402
from flowdesigner.roles import user_roles  # noqa: E402
from flowdesigner.routing import websocket_urlpatterns  # noqa: E402

install_daphne_guard()


class SocketAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware (the session's user, its auth hash checked), with what the consumers ask
    next about that user, its roles and for the inbox its person, loaded in the same database call.

    All of a process's database calls for websockets queue in one thread, and after a restart thousands
    of sockets reconnect at once: each call saved per handshake shortens that queue. A handshake that
    waited too long is rejected by daphne and its application cancelled while its call may still be queued;
    that call then does nothing, so the queue is not spent on sockets that are already gone."""

    async def resolve_scope(self, scope):
        abandoned = threading.Event()
        try:
            scope["user"]._wrapped = await _socket_user(scope, abandoned)
        except asyncio.CancelledError:
            abandoned.set()  # the call runs on (asgiref shields it): tell it not to bother
            raise


@database_sync_to_async
def _socket_user(scope, abandoned: threading.Event):
    if abandoned.is_set():
        return AnonymousUser()
    user = get_user.func(scope)  # the undecorated function: we are already in the database thread
    if user.is_authenticated:
        user_roles(user)  # cached on the user, so has_role() in the consumer asks nothing more
        if scope["path"].startswith("/ws/inbox/"):
            # Cached on the user, and so is its absence (the error is an AttributeError too).
            getattr(user, "person", None)
    return user


application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            CookieMiddleware(SessionMiddleware(SocketAuthMiddleware(URLRouter(websocket_urlpatterns))))
        ),
    }
)
