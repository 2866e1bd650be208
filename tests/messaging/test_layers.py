"""Batched group sends (messaging/layers.py) on the layer this mode runs (the embedded SQLite layer, or
Redis in scale mode) and on the in-memory one, and the embedded layer's delivery of a backlog."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from flowdesigner import settings as project_settings
from messaging.layers import EmbeddedChannelLayer, group_send_many
from messaging.services import inbox_group
from tests.factories import PersonFactory, UserFactory
from tests.messaging.test_inbox_ws import sync_to_async
from tests.messaging.test_presence import end_user, open_inbox

pytestmark = pytest.mark.django_db(transaction=True)

# What settings.py configures for this mode (the test settings replace it with the in-memory layer).
PROJECT_LAYER = project_settings.CHANNEL_LAYERS["default"]
EMBEDDED = PROJECT_LAYER["BACKEND"] == "messaging.layers.EmbeddedChannelLayer"


@pytest.fixture(params=["project", "in-memory"])
async def layer(request, settings):
    settings.CHANNEL_LAYERS = {
        "default": PROJECT_LAYER
        if request.param == "project"
        else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    layer = get_channel_layer()
    yield layer
    await close(layer)


async def close(layer) -> None:
    if isinstance(layer, EmbeddedChannelLayer):
        await layer.close()
    elif hasattr(layer, "close_pools"):  # Redis: this test's event loop ends with the test
        await layer.close_pools()


@pytest.fixture
async def embedded(settings):
    if not EMBEDDED:
        pytest.skip("the embedded layer runs on SQLite")
    settings.CHANNEL_LAYERS = {"default": PROJECT_LAYER}
    layer = get_channel_layer()
    yield layer
    await layer.close()


@pytest.fixture
async def other_process():
    """The embedded layer as another process has it (its own client prefix): it reaches our sockets
    through the database only. None in scale mode."""
    if not EMBEDDED:
        yield None
        return
    layer = EmbeddedChannelLayer(**PROJECT_LAYER["CONFIG"])
    yield layer
    await layer.close()


async def receive(layer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout=10)


async def test_a_batch_of_500_groups_reaches_every_member_and_no_one_else(layer):
    tag = uuid.uuid4().hex[:8]
    members: dict[int, list[str]] = {}
    for n in range(500):
        members[n] = [await layer.new_channel()]
        if n % 10 == 0:  # a second tab
            members[n].append(await layer.new_channel())
        for channel in members[n]:
            await layer.group_add(f"test.{tag}.{n}", channel)
    bystanders = [await layer.new_channel() for _ in range(20)]
    for n, channel in enumerate(bystanders):
        await layer.group_add(f"test.{tag}.other.{n}", channel)

    await group_send_many(layer, [(f"test.{tag}.{n}", {"type": "test.message", "n": n}) for n in range(500)])

    for n, channels in members.items():
        for channel in channels:
            assert await receive(layer, channel) == {"type": "test.message", "n": n}
    # Sent after the batch: the first thing a bystander receives is this, so the batch gave it nothing.
    await group_send_many(layer, [(f"test.{tag}.other.{n}", {"type": "test.after"}) for n in range(20)])
    for channel in bystanders:
        assert await receive(layer, channel) == {"type": "test.after"}


async def test_open_inboxes_get_their_persons_messages(layer, enduser):
    erin = await sync_to_async(lambda: enduser.person)()

    def another(name):
        user = UserFactory(username=name, roles=["enduser"])
        return user, PersonFactory(first_name=name, user=user)

    bob_user, bob = await sync_to_async(another)("bob")
    dave_user, dave = await sync_to_async(another)("dave")
    nobody = await sync_to_async(PersonFactory)()  # no inbox open
    erin_tabs = [await open_inbox(enduser), await open_inbox(enduser)]
    bob_tab, dave_tab = await open_inbox(bob_user), await open_inbox(dave_user)

    def push(person, text):
        return (inbox_group(person.pk), {"type": "inbox.message", "message": {"id": person.pk, "text": text}})

    await group_send_many(
        get_channel_layer(), [push(erin, "Hi Erin"), push(nobody, "Lost"), push(bob, "Hi Bob")]
    )

    for tab in erin_tabs:
        assert await tab.receive_json_from(timeout=10) == {
            "type": "message",
            "message": {"id": erin.pk, "text": "Hi Erin"},
        }
    assert (await bob_tab.receive_json_from(timeout=10))["message"]["text"] == "Hi Bob"
    await group_send_many(get_channel_layer(), [push(dave, "After")])
    assert (await dave_tab.receive_json_from(timeout=10))["message"]["text"] == "After"
    for tab in [*erin_tabs, bob_tab, dave_tab]:
        await tab.disconnect()


async def test_a_burst_reaches_one_inbox_complete_and_in_order(settings, enduser, other_process):
    # On the embedded layer, sent from another process (through the database); on Redis, one script.
    if PROJECT_LAYER["BACKEND"] == "channels.layers.InMemoryChannelLayer":
        pytest.skip("the in-memory layer holds 100 messages per channel: a burst needs a real layer")
    settings.CHANNEL_LAYERS = {"default": PROJECT_LAYER}
    sender = other_process if EMBEDDED else get_channel_layer()
    erin = await sync_to_async(lambda: enduser.person)()
    tab = await open_inbox(enduser)

    burst = [(inbox_group(erin.pk), {"type": "inbox.message", "message": {"n": n}}) for n in range(200)]
    await group_send_many(sender, burst)

    assert [(await tab.receive_json_from(timeout=10))["message"]["n"] for _ in range(200)] == list(range(200))
    await tab.disconnect()
    await close(get_channel_layer())


async def test_one_poll_takes_everything_pending_in_send_order(embedded, other_process):
    channels = [await embedded.new_channel() for _ in range(2)]
    for channel in channels:
        await embedded.group_add("inbox.person.1", channel)
    await embedded.group_add("inbox.person.2", channels[1])
    burst = [("inbox.person.1", {"type": "inbox.message", "n": n}) for n in range(200)]
    await group_send_many(other_process, [*burst, ("inbox.person.2", {"type": "inbox.message", "n": 200})])

    # No socket is receiving yet, so nothing has polled: one poll moves all 401 into the buffers.
    assert await embedded.poll(embedded.non_local_name(channels[0])) == 401
    assert await embedded.poll(embedded.non_local_name(channels[0])) == 0
    assert [(await receive(embedded, channels[0]))["n"] for _ in range(200)] == list(range(200))
    assert [(await receive(embedded, channels[1]))["n"] for _ in range(201)] == list(range(201))


async def test_a_socket_on_the_sending_process_gets_its_message_without_the_database(embedded, enduser):
    from channels_lite.models import Event

    erin = await sync_to_async(lambda: enduser.person)()
    tab = await open_inbox(enduser)  # its channel is this process's: the layer polls for it now

    await group_send_many(embedded, [(inbox_group(erin.pk), {"type": "inbox.message", "message": {"n": 1}})])
    await embedded.group_send(inbox_group(erin.pk), {"type": "inbox.message", "message": {"n": 2}})

    assert [(await tab.receive_json_from(timeout=10))["message"]["n"] for _ in range(2)] == [1, 2]
    assert await sync_to_async(Event.objects.count)() == 0
    await tab.disconnect()
    assert embedded.receive_buffer == {}  # a closed socket leaves nothing behind in the process


async def test_a_full_channel_drops_what_does_not_fit(settings):
    # Capacity counts pending messages per process (all its sockets share one queue), as group_send does.
    if PROJECT_LAYER["BACKEND"] == "channels.layers.InMemoryChannelLayer":
        pytest.skip("the in-memory layer links no processes")
    settings.CHANNEL_LAYERS = {"default": PROJECT_LAYER}
    receiver = get_channel_layer()
    small = type(receiver)(**{**PROJECT_LAYER["CONFIG"], "capacity": 5})  # a sender that allows 5
    group = f"test.{uuid.uuid4().hex[:8]}"
    channel = await receiver.new_channel()
    await receiver.group_add(group, channel)

    await group_send_many(small, [(group, {"type": "test.message", "n": n}) for n in range(8)])
    await group_send_many(receiver, [(group, {"type": "test.after"})])

    received = [await receive(receiver, channel) for _ in range(6)]
    assert received == [{"type": "test.message", "n": n} for n in range(5)] + [{"type": "test.after"}]
    await close(small)
    await close(receiver)


async def test_a_killed_process_leaves_its_groups_once_its_messages_expire(embedded, other_process):
    from channels_lite.models import Event, GroupMembership

    killed = await other_process.new_channel()  # its process never polls again (kill -9)
    await other_process.group_add("inbox.person.1", killed)
    alive = await embedded.new_channel()
    await embedded.group_add("inbox.person.1", alive)
    await group_send_many(embedded, [("inbox.person.1", {"type": "inbox.message", "n": 1})])
    assert await receive(embedded, alive) == {"type": "inbox.message", "n": 1}

    def time_passes():  # the unread message is past its expiry and the grace period
        Event.objects.update(expires_at=timezone.now() - timedelta(seconds=31))

    await sync_to_async(time_passes)()
    await embedded.clean_expired()  # what every process's poll does now and then
    members = await sync_to_async(
        lambda: list(GroupMembership.objects.values_list("channel_name", flat=True))
    )()
    assert members == [alive]
    assert await sync_to_async(Event.objects.count)() == 0


def _store_and_dispatch(person_id: int, text: str) -> tuple[int, list[str]]:
    """A web message stored and committed, then pushed as the outbox's relay does right after; returns
    its id and the queries of the push."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from messaging.services import message_out_build, messages_dispatch, messages_queue

    with transaction.atomic():
        message = message_out_build(
            person_id=person_id, participant=None, node_id="", text=text, buttons=[], options={}
        )
        messages_queue([message])
    with CaptureQueriesContext(connection) as queries:
        messages_dispatch([message.pk], [person_id])
    return message.pk, [q["sql"] for q in queries.captured_queries]


async def test_a_push_to_a_socket_of_the_dispatching_process_is_handed_over_in_process(
    embedded, settings, enduser
):
    from channels_lite.models import Event

    settings.OUTBOX_RELAY_ALL = False  # only the explicit dispatch below pushes
    erin = await sync_to_async(lambda: enduser.person)()
    tab = await open_inbox(enduser)

    pk, queries = await sync_to_async(_store_and_dispatch)(erin.pk, "Straight to you")

    pushed = (await tab.receive_json_from(timeout=10))["message"]
    assert (pushed["id"], pushed["text"]) == (pk, "Straight to you")
    # Who is online comes with their sockets' channels: no group lookup; nothing written or read back.
    assert [q for q in queries if "channels_lite" in q] == []
    assert await sync_to_async(Event.objects.count)() == 0
    await tab.disconnect()


async def test_in_scale_mode_a_push_to_a_socket_of_the_dispatching_process_skips_redis(settings, enduser):
    import redis

    if PROJECT_LAYER["BACKEND"] != "messaging.layers.ScaleChannelLayer":
        pytest.skip("the scale layer runs with Redis")
    settings.CHANNEL_LAYERS = {"default": PROJECT_LAYER}
    settings.OUTBOX_RELAY_ALL = False  # only the explicit dispatch below pushes
    erin = await sync_to_async(lambda: enduser.person)()
    olive = await sync_to_async(end_user)("olive")
    olive_id = await sync_to_async(lambda: olive.person.pk)()
    tab, olive_tab = await open_inbox(enduser), await open_inbox(olive)
    client = redis.Redis.from_url(settings.REDIS_URL)

    def pushes() -> int:  # the channel layer's Lua pushes and plain sends, as Redis counts them
        stats = client.info("commandstats")
        return sum(stats.get(name, {}).get("calls", 0) for name in ("cmdstat_eval", "cmdstat_zadd"))

    before = await sync_to_async(pushes)()
    pk, _ = await sync_to_async(_store_and_dispatch)(erin.pk, "Straight to you")
    pushed = (await tab.receive_json_from(timeout=10))["message"]
    assert (pushed["id"], pushed["text"]) == (pk, "Straight to you")
    assert await sync_to_async(pushes)() == before

    # One socket of the process closing (its receive cancelled) stops nothing for the others: a message
    # from another process still reaches the second one.
    await tab.disconnect()
    elsewhere = type(get_channel_layer())(**PROJECT_LAYER["CONFIG"])
    await elsewhere.group_send(inbox_group(olive_id), {"type": "inbox.message", "message": {"id": 7}})
    assert (await olive_tab.receive_json_from(timeout=10))["message"] == {"id": 7}
    await olive_tab.disconnect()
    client.close()
    await close(elsewhere)
    await close(get_channel_layer())


async def test_a_push_to_a_socket_of_another_process_goes_through_the_layer(settings, enduser):
    # The other process is simulated by a presence row for a channel of another layer instance (its own
    # client prefix, as another daphne has): only the layer can reach it.
    from messaging.models import InboxPresence

    if PROJECT_LAYER["BACKEND"] == "channels.layers.InMemoryChannelLayer":
        pytest.skip("the in-memory layer links no processes")
    settings.CHANNEL_LAYERS = {"default": PROJECT_LAYER}
    settings.OUTBOX_RELAY_ALL = False
    elsewhere = type(get_channel_layer())(**PROJECT_LAYER["CONFIG"])
    erin = await sync_to_async(lambda: enduser.person)()
    here = await open_inbox(enduser)
    remote = await elsewhere.new_channel()
    await sync_to_async(InboxPresence.objects.create)(
        channel_name=remote, person_id=erin.pk, server="elsewhere:1:1", connected_at=timezone.now()
    )

    pk, _ = await sync_to_async(_store_and_dispatch)(erin.pk, "To both tabs")

    assert (await here.receive_json_from(timeout=10))["message"]["id"] == pk
    assert (await receive(elsewhere, remote))["message"]["id"] == pk
    await here.disconnect()
    await close(elsewhere)
    await close(get_channel_layer())


async def test_in_scale_mode_a_redis_restart_closes_no_socket_and_later_messages_arrive(tmp_path):
    # A Redis server of this test alone (the suite's own keeps running for the other tests).
    import shutil
    import socket
    import subprocess

    if PROJECT_LAYER["BACKEND"] != "messaging.layers.ScaleChannelLayer":
        pytest.skip("the scale layer runs with Redis")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(tmp_path)]

    async def start() -> subprocess.Popen:
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return server
            await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    server = await start()
    config = {**PROJECT_LAYER["CONFIG"], "hosts": [{"address": f"redis://127.0.0.1:{port}/0"}]}
    layer = type(get_channel_layer())(**config)
    try:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "test.message", "n": 1})
        assert await receive(layer, channel) == {"type": "test.message", "n": 1}
        waiting = asyncio.ensure_future(layer.receive(channel))  # a socket waiting for its next message
        await asyncio.sleep(0.2)

        server.terminate()
        server.wait()
        await asyncio.sleep(1.5)  # the reader's pop fails meanwhile
        assert not waiting.done()  # the socket is still waiting, not closed with an error
        server = await start()
        await layer.send(channel, {"type": "test.message", "n": 2})
        assert await asyncio.wait_for(waiting, timeout=10) == {"type": "test.message", "n": 2}
    finally:
        server.terminate()
        server.wait()
        await close(layer)
