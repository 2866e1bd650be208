"""Inbox sockets connecting together are served in batches (a restart reconnects thousands at once): their
users resolved in one database call (flowdesigner/asgi.py), their groups joined and presence rows written
in one Redis pipeline and one transaction (messaging/presence.py), their syncs read in one query
(messaging/consumers.py). Each socket still gets what it got alone."""

import asyncio
import threading

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from channels_lite.layers.core import SQLiteChannelLayer
from channels_redis.core import RedisChannelLayer
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

import flowdesigner.asgi
from engine import services
from flowdesigner.asgi import application
from messaging import presence, selectors
from messaging.batching import Batcher
from messaging.models import InboxPresence
from messaging.selectors import inbox_messages, inbox_messages_many
from messaging.services import inbox_group
from tests.factories import PersonFactory, UserFactory
from tests.messaging.test_inbox_ws import launch_to, session_headers, sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def end_users(count: int) -> list:
    users = []
    for n in range(count):
        user = UserFactory(username=f"reader{n}", roles=["enduser"])
        PersonFactory(first_name=f"Reader {n}", user=user)
        users.append(user)
    return users


async def open_together(headers_list) -> list[tuple[WebsocketCommunicator, dict]]:
    """Open sockets all at once and read what each gets first: a sync's answer, or the close."""
    communicators = [WebsocketCommunicator(application, "/ws/inbox/", headers=h) for h in headers_list]
    opened = await asyncio.gather(*(c.connect(timeout=10) for c in communicators))
    assert all(ok for ok, _ in opened)
    for communicator in communicators:
        await communicator.send_json_to({"type": "sync"})
    firsts = await asyncio.gather(*(c.receive_output(timeout=10) for c in communicators))
    return list(zip(communicators, firsts, strict=True))


async def online(persons) -> set[int]:
    return await sync_to_async(presence.persons_online)([p.pk for p in persons])


async def group_members(group: str) -> set[str]:
    layer = get_channel_layer()
    if isinstance(layer, RedisChannelLayer):
        connection = layer.connection(layer.consistent_hash(group))
        return {m.decode() for m in await connection.zrange(layer._group_key(group), 0, -1)}
    if isinstance(layer, SQLiteChannelLayer):
        from channels_lite.models import GroupMembership

        return set(
            await sync_to_async(
                lambda: list(
                    GroupMembership.objects.filter(group_name=group).values_list("channel_name", flat=True)
                )
            )()
        )
    return set(layer.groups.get(group, {}))


async def close_database_thread() -> None:
    """Sockets opening at once leave the database thread holding a pooled PostgreSQL connection (with or
    without batches), and the test database's teardown then waits 5 s for it and warns."""
    from django.db import connections

    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
async def _close_database_thread():
    yield
    await close_database_thread()


def counting(monkeypatch, module, name: str) -> list:
    """Count (and record the arguments of) calls to module.name."""
    calls = []
    original = getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append((args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


async def test_sockets_opening_together_are_all_online_and_pushed_to_after_few_batches(monkeypatch):
    users = await sync_to_async(end_users)(12)
    persons = await sync_to_async(lambda: [u.person for u in users])()
    headers = [await sync_to_async(session_headers)(u) for u in users]
    auth_batches = counting(monkeypatch, flowdesigner.asgi, "_socket_users_sync")
    writes = counting(monkeypatch, presence, "presence_write")

    sockets = await open_together(headers)
    assert [first for _, first in sockets] == [
        {"type": "websocket.send", "text": '{"type": "messages", "messages": []}'}
    ] * len(users)
    assert await online(persons) == {p.pk for p in persons}
    # Every socket is in its person's group by now: a push reaches it.
    for (communicator, _), person in zip(sockets, persons, strict=True):
        assert len(await group_members(inbox_group(person.pk))) == 1
        await get_channel_layer().group_send(
            inbox_group(person.pk), {"type": "inbox.message", "message": {"id": person.pk}}
        )
        assert await communicator.receive_json_from(timeout=5) == {
            "type": "message",
            "message": {"id": person.pk},
        }
    # Batched: far fewer database calls than sockets (the first of each runs alone, the rest wait for it).
    assert len(auth_batches) < len(users) / 2
    assert len(writes) < len(users) / 2
    assert sum(len(kwargs["opened"]) for _, kwargs in writes) == len(users)

    await asyncio.gather(*(c.disconnect() for c, _ in sockets))
    assert await online(persons) == set()
    for person in persons:
        assert await group_members(inbox_group(person.pk)) == set()
    assert await sync_to_async(InboxPresence.objects.count)() == 0


async def test_each_socket_of_a_batch_gets_its_own_user(monkeypatch, staff):
    """Mixed in one batch: two tabs of one end user, staff (4403), no session (4401), an expired session
    (4401), an inactive user (4401) and a session from before a password change (4401, session flushed)."""
    erin, eve, ivan, paul = await sync_to_async(end_users)(4)
    erin_headers = await sync_to_async(session_headers)(erin)
    expired = await sync_to_async(session_headers)(eve)
    inactive = await sync_to_async(session_headers)(ivan)
    stale = await sync_to_async(session_headers)(paul)

    def spoil():
        Session.objects.filter(session_key=_key(expired)).update(expire_date=timezone.now())
        ivan.is_active = False
        ivan.save(update_fields=["is_active"])
        paul.set_password("a new password")
        paul.save(update_fields=["password"])

    staff_headers = await sync_to_async(session_headers)(staff)
    await sync_to_async(spoil)()
    anonymous = [(b"origin", b"http://127.0.0.1")]
    batches = counting(monkeypatch, flowdesigner.asgi, "_socket_users_sync")

    communicators = [
        WebsocketCommunicator(application, "/ws/inbox/", headers=h)
        for h in (erin_headers, erin_headers, staff_headers, anonymous, expired, inactive, stale)
    ]
    assert all(ok for ok, _ in await asyncio.gather(*(c.connect(timeout=10) for c in communicators)))
    assert len(batches) <= 2  # the first alone, the others together
    tab1, tab2, *refused = communicators
    closes = [await c.receive_output(timeout=5) for c in refused]
    assert [c["code"] for c in closes] == [4403, 4401, 4401, 4401, 4401]
    for tab in (tab1, tab2):
        await tab.send_json_to({"type": "sync"})
        assert (await tab.receive_json_from(timeout=5))["type"] == "messages"
    erin_person = await sync_to_async(lambda: erin.person)()
    assert await online([erin_person]) == {erin_person.pk}
    # The session whose auth hash no longer matches was flushed, as channels' get_user does.
    assert not await sync_to_async(Session.objects.filter(session_key=_key(stale)).exists)()
    for communicator in communicators:
        await communicator.disconnect()


def _key(headers) -> str:
    cookie = dict(headers)[b"cookie"].decode()
    return cookie.split("=", 1)[1]


async def test_the_users_of_a_batch_carry_their_roles_and_person():
    """What the consumers ask next is cached: no query for roles or the person after the batch."""
    users = await sync_to_async(end_users)(2)
    staff = await sync_to_async(lambda: UserFactory(username="boss", roles=["staff"]))()
    admin = await sync_to_async(lambda: UserFactory(username="root", is_superuser=True))()
    scopes = []
    for user in [*users, staff, admin]:
        headers = await sync_to_async(session_headers)(user)
        from channels.sessions import SessionMiddleware
        from django.contrib.sessions.backends.db import SessionStore
        from django.utils.functional import LazyObject

        del SessionMiddleware  # (the middleware's wrapper, built by hand)
        session = LazyObject()
        session._wrapped = SessionStore(_key(headers))
        scopes.append({"session": session, "path": "/ws/inbox/"})
    resolved = await sync_to_async(flowdesigner.asgi._socket_users_sync)(scopes)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from flowdesigner.roles import END_USER, STAFF, has_role

    def ask():
        with CaptureQueriesContext(connection) as queries:
            answers = [
                (u.pk, has_role(u, END_USER), has_role(u, STAFF), getattr(u, "person", None))
                for u in resolved
            ]
        return answers, len(queries)

    answers, queries = await sync_to_async(ask)()
    assert queries == 0
    assert [(pk, enduser, is_staff) for pk, enduser, is_staff, _ in answers] == [
        (users[0].pk, True, False),
        (users[1].pk, True, False),
        (staff.pk, False, True),
        (admin.pk, True, True),
    ]
    persons = await sync_to_async(lambda: [u.person.pk for u in users])()
    assert [p.pk if p else None for *_, p in answers] == [*persons, None, None]
    assert [s["session"][HASH_SESSION_KEY] for s in scopes] == [u.get_session_auth_hash() for u in resolved]


async def test_a_socket_closed_before_its_batch_ran_leaves_nothing_behind(enduser):
    person = await sync_to_async(lambda: enduser.person)()
    layer = get_channel_layer()
    group = inbox_group(person.pk)
    name = await layer.new_channel()
    # Opened and closed in the same batch: both submitted before the batch runs.
    opening = asyncio.create_task(presence.socket_opened(name, person.pk, layer=layer, group=group))
    closing = asyncio.create_task(presence.socket_closed(name, layer=layer, group=group))
    await asyncio.gather(opening, closing)
    assert await online([person]) == set()
    assert await group_members(group) == set()


class HeldOpening:
    """An inbox socket of the end user whose opening batch is held while it writes (until `release`)."""

    @classmethod
    async def start(cls, enduser, monkeypatch) -> "HeldOpening":
        self = cls()
        self.person = await sync_to_async(lambda: enduser.person)()
        self.layer = get_channel_layer()
        self.group = inbox_group(self.person.pk)
        self.name = await self.layer.new_channel()
        writing, self.released = threading.Event(), threading.Event()
        original = presence.presence_write

        def slow_write(**kwargs):
            if kwargs["opened"]:
                writing.set()
                self.released.wait(10)
            original(**kwargs)

        monkeypatch.setattr(presence, "presence_write", slow_write)
        self.task = asyncio.create_task(
            presence.socket_opened(self.name, self.person.pk, layer=self.layer, group=self.group)
        )
        await asyncio.get_running_loop().run_in_executor(None, writing.wait, 10)
        return self

    def release(self) -> None:
        self.released.set()


async def test_a_close_waits_for_its_sockets_opening_batch(enduser, monkeypatch):
    """The opening batch is still writing when the socket closes: the close goes in the next batch, after
    it, and removes what it wrote."""
    held = await HeldOpening.start(enduser, monkeypatch)
    person, layer, group, name, opening = held.person, held.layer, held.group, held.name, held.task
    closing = asyncio.create_task(presence.socket_closed(name, layer=layer, group=group))
    await asyncio.sleep(0.05)
    held.release()
    await asyncio.gather(opening, closing)
    assert await online([person]) == set()
    assert await group_members(group) == set()


async def test_a_connect_cancelled_while_its_batch_runs_is_undone(enduser, monkeypatch):
    """daphne cancels a handshake that waited too long, and no disconnect follows: what its batch wrote
    anyway is removed behind it."""
    held = await HeldOpening.start(enduser, monkeypatch)
    person, group, opening = held.person, held.group, held.task
    opening.cancel()
    held.release()
    with pytest.raises(asyncio.CancelledError):
        await opening
    for _ in range(100):  # the undo runs in the next batch, which nobody awaits
        if not await online([person]):
            break
        await asyncio.sleep(0.05)
    assert await online([person]) == set()
    assert await group_members(group) == set()


def test_inboxes_read_together_are_those_read_one_by_one(published_flow, monkeypatch):
    from messaging.inbound import web_inbound

    alice, bob, carol = PersonFactory.create_batch(3)
    first = launch_to(alice, published_flow)
    _, version, _ = published_flow(persons=[alice])  # a second flow's message
    services.launch_create(version=version, audience=None)
    services.participant_answer(message_id=first.pk, button_id="yes", person=alice)  # and its follow-up
    web_inbound(alice, "Hello")
    launch_to(bob, published_flow)
    ids = [alice.pk, bob.pk, carol.pk]

    together = inbox_messages_many(ids)
    assert together == {p: inbox_messages(p) for p in ids}
    assert len(together[alice.pk]) >= 4 and len(together[bob.pk]) == 1 and together[carol.pk] == []
    monkeypatch.setattr(selectors, "INBOX_LIMIT", 2)  # only the most recent ones, oldest first
    assert inbox_messages_many(ids) == {p: inbox_messages(p) for p in ids}
    assert [m["id"] for m in inbox_messages_many(ids)[alice.pk]] == [m["id"] for m in together[alice.pk][-2:]]
    assert inbox_messages_many([]) == {}


async def test_a_batcher_runs_what_waits_together_in_order_and_leaves_out_the_cancelled():
    runs = []

    async def run(items):
        runs.append(list(items))
        await asyncio.sleep(0.01)
        if "bad" in items:
            raise ValueError("bad batch")
        return [item.upper() for item in items]

    batcher = Batcher(run, max_items=3)
    first = batcher.submit("a")  # starts a batch alone
    await asyncio.sleep(0)
    waiting = [batcher.submit(item) for item in "bcdef"]  # arrive while it runs
    waiting[1].cancel()  # "c": its socket went away before its batch started
    assert await first == "A"
    assert [await f for i, f in enumerate(waiting) if i != 1] == ["B", "D", "E", "F"]
    assert runs == [["a"], ["b", "d"], ["e", "f"]]  # at most 3 taken per batch, "c" left out

    failing = [batcher.submit("bad"), batcher.submit("x")]
    for future in failing:
        with pytest.raises(ValueError, match="bad batch"):
            await future
    assert await batcher.submit("y") == "Y"  # the next batch runs as usual
