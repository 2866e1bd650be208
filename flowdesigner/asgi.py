"""ASGI entry point: Django for HTTP, Channels for websockets (served together by daphne).

Request bodies are limited before anything parses them (flowdesigner/limits.py): in the ASGI layer
for any server, and inside daphne, which otherwise receives and parses a whole body before the
application runs.

Websockets authenticate with the session cookie (SocketAuthMiddleware below)."""

import copy
import os

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
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore  # noqa: E402
from django.contrib.sessions.models import Session  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import constant_time_compare  # noqa: E402
from django.utils.functional import LazyObject  # noqa: E402

from flowdesigner import daphne_checks  # noqa: E402
from flowdesigner.limits import BodyLimitMiddleware, install_daphne_guard  # noqa: E402
from flowdesigner.roles import ALL_ROLES, user_roles  # noqa: E402
from flowdesigner.routing import websocket_urlpatterns  # noqa: E402
from messaging.batching import Batcher  # noqa: E402

install_daphne_guard()
daphne_checks.install()


class SocketAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware (the session's user, its auth hash checked), with what the consumers ask
    next about that user, its roles and for the inbox its person, loaded with it.

    All of a process's database calls for websockets queue in one thread, and after a restart thousands
    of sockets reconnect at once. Handshakes arriving together are therefore resolved together
    (`messaging.batching.Batcher`): one database call and three queries (sessions, users with their
    persons, roles) for up to 500 handshakes, where each handshake cost a thread hop and four queries. A
    handshake that waited too long is rejected by daphne and its application cancelled: if its batch has
    not started yet, it is left out of it, so the queue is not spent on sockets that are already gone."""

    async def resolve_scope(self, scope):
        scope["user"]._wrapped = await _socket_users.submit(scope)


async def _resolve_users(scopes: list) -> list:
    return await database_sync_to_async(_socket_users_sync)(scopes)


_socket_users = Batcher(_resolve_users)

# Backends whose get_user this bulk path reproduces (flowdesigner.auth's loads the person with the user).
_MODEL_BACKENDS = {"flowdesigner.auth.UserWithPersonBackend", "django.contrib.auth.backends.ModelBackend"}
UserModel = get_user_model()


def _socket_users_sync(scopes: list) -> list:
    """The user of each scope's session, as channels' `get_user` finds it, with its roles and person
    cached on it (`user_roles`, `user.person`). The common case (a database session logged in through one
    of our model backends) is read in bulk; anything else (another session engine or backend, an auth hash
    that no longer matches, which flushes the session) goes through `get_user` itself, one at a time."""
    users: list = [None] * len(scopes)
    sessions = {}  # index -> the session store, for the bulk path
    for index, scope in enumerate(scopes):
        session = scope["session"]._wrapped if isinstance(scope["session"], LazyObject) else scope["session"]
        if type(session) is DbSessionStore and session.session_key and not hasattr(session, "_session_cache"):
            sessions[index] = session
        else:
            users[index] = None if session.session_key else AnonymousUser()
    # Sessions, as SessionStore.load() reads each: unexpired, by key; a missing one leaves an empty session.
    keys = {s.session_key for s in sessions.values()}
    data = dict(
        Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).values_list(
            "session_key", "session_data"
        )
    )
    user_ids = {}
    for index, session in sessions.items():
        if session.session_key in data:
            session._session_cache = session.decode(data[session.session_key])
        else:
            session._session_key = None
            session._session_cache = {}
        if SESSION_KEY not in session or BACKEND_SESSION_KEY not in session:
            users[index] = AnonymousUser()  # get_user's KeyError
        elif (
            session[BACKEND_SESSION_KEY] in _MODEL_BACKENDS
            and session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
        ):
            try:
                user_ids[index] = UserModel._meta.pk.to_python(session[SESSION_KEY])
            except ValidationError:
                pass  # get_user below (it raises, as it did)
    # ModelBackend.get_user, for all at once, with each user's person (or its absence) and roles.
    found = {
        user.pk: user
        for user in UserModel._default_manager.filter(pk__in=set(user_ids.values())).select_related("person")
    }
    roles: dict[int, set[str]] = {}
    for user_id, name in UserModel.groups.through.objects.filter(
        user_id__in=found, group__name__in=ALL_ROLES
    ).values_list("user_id", "group__name"):
        roles.setdefault(user_id, set()).add(name)
    handed_out = set()
    for index, user_id in user_ids.items():
        user = found.get(user_id)
        if user is None or not user.is_active:  # ModelBackend.user_can_authenticate
            users[index] = AnonymousUser()
            continue
        session_hash = sessions[index].get(HASH_SESSION_KEY)
        if not (session_hash and constant_time_compare(session_hash, user.get_session_auth_hash())):
            continue  # get_user below: it flushes the session
        if user_id in handed_out:
            user = copy.copy(user)  # two tabs of one user in a batch: each socket its own instance
        handed_out.add(user_id)
        user._flowdesigner_roles = set(roles.get(user_id, ()))  # what user_roles() caches
        users[index] = user
    for index, scope in enumerate(scopes):
        if users[index] is None:
            users[index] = _socket_user(scope)
    return users


def _socket_user(scope):
    """One scope's user the slow way (channels' get_user), with roles and person cached on it."""
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
