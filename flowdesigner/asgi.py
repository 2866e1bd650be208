"""ASGI entry point: Django for HTTP, Channels for websockets (served together by daphne).

Request bodies are limited before anything parses them (flowdesigner/limits.py): in the ASGI layer
for any server, and inside daphne, which otherwise receives and parses a whole body before the
application runs."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from flowdesigner.limits import BodyLimitMiddleware, install_daphne_guard  # noqa: E402
from flowdesigner.routing import websocket_urlpatterns  # noqa: E402

install_daphne_guard()

application = ProtocolTypeRouter(
    {
        "http": BodyLimitMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
