"""Who has an inbox open (messaging/presence.py): kept by the inbox websocket as it connects and closes,
and cleaned of what dead processes left behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from messaging.models import InboxPresence, InboxPresenceServer
from messaging.presence import STALE_AFTER_SECONDS, persons_online, presence_heartbeat, server_id
from tests.factories import PersonFactory, UserFactory
from tests.messaging.test_inbox_ws import connect, sync_to_async

pytestmark = pytest.mark.django_db(transaction=True)


def end_user(name: str):
    user = UserFactory(username=name, roles=["enduser"])
    PersonFactory(first_name=name.title(), user=user)
    return user


async def open_inbox(user):
    """Connect as the browser does: open, then sync; the reply means the connect has run to its end."""
    communicator = await connect(user)
    await communicator.send_json_to({"type": "sync"})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "messages"
    return communicator


async def online(*persons) -> set[int]:
    return await sync_to_async(persons_online)([p.pk for p in persons])


async def test_a_person_is_online_while_one_of_their_inboxes_is_open(enduser):
    erin = await sync_to_async(lambda: enduser.person)()
    bob = await sync_to_async(lambda: end_user("bob").person)()
    assert await online(erin, bob) == set()

    first_tab = await open_inbox(enduser)
    second_tab = await open_inbox(enduser)
    assert await online(erin, bob) == {erin.pk}

    await first_tab.disconnect()
    assert await online(erin, bob) == {erin.pk}  # the other tab is still open

    await second_tab.disconnect()
    assert await online(erin, bob) == set()


async def test_sockets_that_are_refused_do_not_count(staff):
    communicator = await connect(staff)  # no inbox: closed with 4403
    assert (await communicator.receive_output(timeout=3))["code"] == 4403
    await communicator.disconnect()
    assert await sync_to_async(InboxPresence.objects.count)() == 0


def test_a_large_batch_is_asked_in_one_query(django_assert_num_queries):
    persons = PersonFactory.create_batch(3)
    now = timezone.now()
    for n, person in enumerate(persons[:2]):
        InboxPresence.objects.create(
            channel_name=f"specific.x!{n}", person=person, server=server_id(), connected_at=now
        )
    # A launch batch and more: SQLite allows at most 32,766 bound parameters per statement.
    ids = [p.pk for p in persons] + list(range(10**6, 10**6 + 40_000))
    with django_assert_num_queries(1):
        assert persons_online(ids) == {persons[0].pk, persons[1].pk}
    assert persons_online([]) == set()


async def test_rows_left_by_a_dead_process_are_dropped_by_a_live_ones_heartbeat(enduser):
    erin = await sync_to_async(lambda: enduser.person)()
    bob = await sync_to_async(lambda: end_user("bob").person)()

    def left_by_a_killed_process():
        # kill -9: no disconnect ran; its last heartbeat is older than the staleness limit.
        gone = "old-host:4242:1700000000"
        seen = timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS + 1)
        InboxPresenceServer.objects.create(server=gone, seen_at=seen)
        InboxPresence.objects.create(
            channel_name="specific.gone!1", person=bob, server=gone, connected_at=seen
        )
        # And a row whose process never got to register (or whose server row is already gone).
        InboxPresence.objects.create(
            channel_name="specific.gone!2", person=bob, server="lost:1:1", connected_at=seen
        )

    await sync_to_async(left_by_a_killed_process)()
    tab = await open_inbox(enduser)
    # Until cleaned, bob counts as online: it costs a useless send, never a missed one.
    assert await online(erin, bob) == {erin.pk, bob.pk}

    assert await sync_to_async(presence_heartbeat)() == 2  # what this process's beat runs every minute
    assert await online(erin, bob) == {erin.pk}
    assert await sync_to_async(
        lambda: list(InboxPresenceServer.objects.values_list("server", flat=True))
    )() == [server_id()]
    await tab.disconnect()
    assert await online(erin) == set()


async def test_a_live_process_taken_for_dead_writes_its_open_sockets_again(enduser):
    erin = await sync_to_async(lambda: enduser.person)()
    tab = await open_inbox(enduser)

    def cleaned_by_another_process():
        # Our event loop stalled past the limit: another process dropped our server and our rows.
        InboxPresenceServer.objects.all().delete()
        InboxPresence.objects.all().delete()

    await sync_to_async(cleaned_by_another_process)()
    assert await online(erin) == set()
    assert await sync_to_async(presence_heartbeat)() == 0  # our next beat
    assert await online(erin) == {erin.pk}
    await tab.disconnect()
    assert await online(erin) == set()
