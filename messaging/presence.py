"""Who has an inbox open: one `InboxPresence` row per open inbox websocket, so a dispatch pushes only to
persons someone is looking at (`persons_online`) instead of sending to every person's group.

A row is written when a socket connects (after it joined its group, so "online" always means the push
arrives) and deleted when it closes. Each process holding sockets names itself `host:pid:start` and beats
every HEARTBEAT_SECONDS (`InboxPresenceServer.seen_at`) while it holds any; a beat also deletes the rows
of processes silent for STALE_AFTER_SECONDS (killed, or their machine lost). A stale row is harmless
meanwhile: it costs one send to a channel nobody reads. A live process whose rows were dropped anyway
(its event loop stalled past STALE_AFTER_SECONDS) writes them again at its next beat.

Sockets opening and closing together (after a restart, all of a process's sockets at once) are written
in batches (`messaging.batching.Batcher`): one Redis pipeline for their group joins or leaves and one
transaction for their rows, where each socket cost a thread hop, an insert and two Redis round trips of
its own (and a burst ran out of pooled Redis connections)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any, NamedTuple

from channels.db import database_sync_to_async
from channels_lite.layers.core import SQLiteChannelLayer
from channels_redis.core import RedisChannelLayer
from django.db import connection, transaction
from django.utils import timezone

from messaging.batching import Batcher
from messaging.layers import buffer_put, local_loop
from messaging.models import InboxPresence, InboxPresenceServer

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60
# Five missed beats: a busy process is not mistaken for a dead one.
STALE_AFTER_SECONDS = 5 * HEARTBEAT_SECONDS

# This process's open inbox sockets (channel name -> person id), to write them again if needed.
_local: dict[str, int] = {}
_server: tuple[int, str] | None = None
_heartbeat: asyncio.Task | None = None
_register = False  # the next batch writes this process's server row (its heartbeat just started)
# Rows (and SQLite parameters) per statement: well under SQLite's limit of bound parameters.
WRITE_CHUNK = 500


def server_id() -> str:
    """This process's name in presence rows: host:pid:start (the start tells a reused pid apart)."""
    global _server
    pid = os.getpid()
    if _server is None or _server[0] != pid:  # a forked worker is a new server
        _server = (pid, f"{socket.gethostname()[:200]}:{pid}:{int(time.time())}")
    return _server[1]


def persons_online(person_ids: Iterable[int]) -> set[int]:
    """Which of these persons have at least one inbox socket open on any process, in one query."""
    return set(inbox_channels(person_ids))


def inbox_channels(person_ids: Iterable[int]) -> dict[int, list[str]]:
    """The channel names of the open inbox sockets of these persons (on any process), keyed by person; a
    person without one is left out. One query for any number of persons: the ids travel as one parameter
    (a JSON array on SQLite, an array on PostgreSQL)."""
    ids = [int(i) for i in person_ids]
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        sql = "SELECT person_id, channel_name FROM messaging_inboxpresence WHERE person_id = ANY(%s)"
        param = ids
    else:
        sql = (
            "SELECT person_id, channel_name FROM messaging_inboxpresence"
            " WHERE person_id IN (SELECT value FROM json_each(%s))"
        )
        param = "[" + ",".join(map(str, ids)) + "]"
    channels: dict[int, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        for person_id, channel in cursor.fetchall():
            channels.setdefault(person_id, []).append(channel)
    return channels


def deliver_here(layer, deliveries: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Hand the messages for sockets this process holds straight to them (no channel layer round trip:
    the consumer's receive finds them in its buffer), from any thread; returns the other deliveries, for
    the channel layer. A socket closing meanwhile simply never reads its message."""
    loop = local_loop(layer)
    if loop is None:
        return deliveries
    here: list[tuple[str, dict]] = []
    rest: list[tuple[str, dict]] = []
    for delivery in deliveries:
        (here if delivery[0] in _local else rest).append(delivery)
    if not here:
        return deliveries
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    try:
        if running is loop:
            _put_here(layer, here)
        else:
            loop.call_soon_threadsafe(_put_here, layer, here)
    except RuntimeError:  # the loop closed meanwhile, and with it every socket it held
        return deliveries
    return rest


def _put_here(layer, deliveries: list[tuple[str, dict]]) -> None:
    for channel, message in deliveries:
        if channel in _local:  # still open (a closed socket's buffer would never be emptied)
            buffer_put(layer, channel, message)


def presence_write(
    *, opened: dict[str, int], closed: Iterable[str], register: bool = False, memberships=None
) -> None:
    """Record opened inbox sockets (channel name -> person id) and forget closed ones, in one transaction
    of a few statements whatever their number (`register` also marks this process alive, for its first
    socket).

    `memberships` (the embedded channel layer only, whose groups live in this database): an
    `(expires_at, joined, left)` triple of (group, channel) pairs to join and to leave in the same
    transaction, so a socket is in its group whenever its presence row exists."""
    now = timezone.now()
    server = server_id()
    closed = list(closed)
    with transaction.atomic():
        if memberships and memberships[1]:
            _join_embedded(memberships[0], memberships[1])
        if register:
            InboxPresenceServer.objects.update_or_create(server=server, defaults={"seen_at": now})
        if opened:
            InboxPresence.objects.bulk_create(
                [
                    InboxPresence(channel_name=name, person_id=person_id, server=server, connected_at=now)
                    for name, person_id in opened.items()
                ],
                batch_size=WRITE_CHUNK,
            )
        for start in range(0, len(closed), WRITE_CHUNK):
            InboxPresence.objects.filter(channel_name__in=closed[start : start + WRITE_CHUNK]).delete()
        if memberships and memberships[2]:  # after the presence rows: "online" still implies "in the group"
            _leave_embedded(memberships[2])


def _join_embedded(expires_at, pairs: list[tuple[str, str]]) -> None:
    from channels_lite.models import GroupMembership

    # As channels-lite's group_add (update_or_create), for many: a channel already in the group only
    # has its expiry moved.
    GroupMembership.objects.bulk_create(
        [
            GroupMembership(group_name=group, channel_name=channel, expires_at=expires_at)
            for group, channel in pairs
        ],
        batch_size=WRITE_CHUNK,
        update_conflicts=True,
        unique_fields=["group_name", "channel_name"],
        update_fields=["expires_at"],
    )


def _leave_embedded(pairs: list[tuple[str, str]]) -> None:
    from channels_lite.models import GroupMembership

    # A socket's channel is in its one inbox group: matching on both columns is exact enough.
    for start in range(0, len(pairs), WRITE_CHUNK):
        chunk = pairs[start : start + WRITE_CHUNK]
        GroupMembership.objects.filter(
            channel_name__in={c for _, c in chunk}, group_name__in={g for g, _ in chunk}
        ).delete()


def presence_heartbeat(local: dict[str, int] | None = None) -> int:
    """Mark this process alive and delete the rows of processes that stopped beating. If this process
    had been taken for dead meanwhile, write its open sockets (`local`: channel name -> person id; by
    default those this process holds) again. Returns how many stale rows were deleted."""
    local = dict(_local) if local is None else local
    now = timezone.now()
    server = server_id()
    with transaction.atomic():
        if not InboxPresenceServer.objects.filter(server=server).update(seen_at=now):
            # Taken for dead (or never registered): our rows may be gone; write them again, together with
            # the server row, so a concurrent cleanup sees both or neither.
            InboxPresenceServer.objects.create(server=server, seen_at=now)
            InboxPresence.objects.bulk_create(
                [
                    InboxPresence(channel_name=name, person_id=person_id, server=server, connected_at=now)
                    for name, person_id in local.items()
                ],
                ignore_conflicts=True,
            )
    # Servers first, then every row whose server is no longer listed: a process re-registering between
    # the two statements wrote its server row in the same transaction as its rows, so they stay.
    InboxPresenceServer.objects.filter(seen_at__lt=now - timedelta(seconds=STALE_AFTER_SECONDS)).delete()
    stale, _ = InboxPresence.objects.exclude(server__in=InboxPresenceServer.objects.values("server")).delete()
    if stale:
        logger.info("Dropped %s inbox presence rows of processes that stopped", stale)
    return stale


async def socket_opened(channel_name: str, person_id: int, *, layer=None, group: str | None = None) -> None:
    """An inbox socket of `person_id` opened: join its channel to `group` on `layer` (when given), then
    record it (and start this process's heartbeat with its first socket). Returns once both are done, so
    a message committed from then on is pushed to it. Sockets opening together share one Redis pipeline
    and one database transaction (`messaging.batching.Batcher`)."""
    global _heartbeat, _register
    loop = asyncio.get_running_loop()
    # Not beating (no socket here for a while, or a new event loop): our server row may be stale or gone
    # by now, so it is written again with this socket.
    idle = _heartbeat is None or _heartbeat.done() or _heartbeat.get_loop() is not loop
    if idle:  # before the insert's await, so sockets connecting meanwhile start no second heartbeat
        _heartbeat = loop.create_task(_beat())
        _register = True  # with the next batch, whichever of its sockets are still there
    _local[channel_name] = person_id
    try:
        await _changes.submit(_Change(True, channel_name, person_id, layer, group))
    except BaseException:
        # Cancelled (daphne dropped the connection) or failed: no disconnect will run, and its batch may
        # have written the row and joined the group anyway; undo both behind it.
        if _local.pop(channel_name, None) is not None:
            undo = _changes.submit(_Change(False, channel_name, person_id, layer, group))
            undo.add_done_callback(_retrieve)  # nobody awaits it: a failure is logged there
        raise


async def socket_closed(channel_name: str, *, layer=None, group: str | None = None) -> None:
    """An inbox socket closed: forget it, then leave its group (and stop the heartbeat with this process's
    last socket). A socket closed before its opening batch ran leaves nothing behind: the batches run in
    order, one at a time."""
    global _heartbeat
    person_id = _local.pop(channel_name, None)
    if person_id is None:
        return
    if not _local and _heartbeat is not None:
        if _heartbeat.get_loop() is asyncio.get_running_loop():
            _heartbeat.cancel()
        _heartbeat = None
    await _changes.submit(_Change(False, channel_name, person_id, layer, group))


class _Change(NamedTuple):
    opened: bool  # else closed
    channel_name: str
    person_id: int
    layer: Any
    group: str | None


def _retrieve(future: asyncio.Future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("Forgetting a cancelled inbox socket failed: %s", future.exception())


async def _apply(changes: list[_Change]) -> list[None]:
    """One batch of opened and closed sockets: group joins (one Redis pipeline per shard), then the
    presence rows (one transaction; on the embedded layer the group memberships too), then group leaves."""
    global _register
    opened: dict[str, _Change] = {}
    closed: dict[str, _Change] = {}
    for change in changes:
        if change.opened:
            opened[change.channel_name] = change
        elif opened.pop(change.channel_name, None) is None:  # opened and closed in one batch: nothing to do
            closed[change.channel_name] = change
    joins = _by_layer(opened.values())
    leaves = _by_layer(closed.values())
    memberships = None
    for layer, pairs in joins.items():
        if isinstance(layer, SQLiteChannelLayer):
            memberships = (timezone.now() + timedelta(seconds=layer.group_expiry), pairs, [])
        else:
            await _group_add_many(layer, pairs)
    for layer, pairs in leaves.items():
        if isinstance(layer, SQLiteChannelLayer):
            memberships = memberships or (None, [], [])
            memberships[2].extend(pairs)
    register, _register = _register, False
    try:
        await database_sync_to_async(presence_write)(
            opened={name: change.person_id for name, change in opened.items()},
            closed=list(closed),
            register=register,
            memberships=memberships,
        )
    except BaseException:
        _register = _register or register  # the next batch registers this process instead
        raise
    for layer, pairs in leaves.items():
        if not isinstance(layer, SQLiteChannelLayer):
            await _group_discard_many(layer, pairs)
    return [None] * len(changes)


_changes = Batcher(_apply)


def _by_layer(changes: Iterable[_Change]) -> dict[Any, list[tuple[str, str]]]:
    pairs: dict[Any, list[tuple[str, str]]] = {}
    for change in changes:
        if change.layer is not None and change.group is not None:
            pairs.setdefault(change.layer, []).append((change.group, change.channel_name))
    return pairs


async def _group_add_many(layer, pairs: list[tuple[str, str]]) -> None:
    """`group_add` for many (group, channel) pairs: on Redis one pipeline per shard (channels-redis's own
    ZADD and EXPIRE of each), elsewhere one call each."""
    if not isinstance(layer, RedisChannelLayer):
        for group, channel in pairs:
            await layer.group_add(group, channel)
        return
    now = time.time()

    def add(pipe, group: str, channel: str) -> None:
        key = layer._group_key(group)
        pipe.zadd(key, {channel: now})
        pipe.expire(key, layer.group_expiry)

    await _redis_pipelines(layer, pairs, add)


async def _group_discard_many(layer, pairs: list[tuple[str, str]]) -> None:
    """`group_discard` for many (group, channel) pairs, as `_group_add_many`."""
    if not isinstance(layer, RedisChannelLayer):
        for group, channel in pairs:
            await layer.group_discard(group, channel)
        return
    await _redis_pipelines(
        layer, pairs, lambda pipe, group, channel: pipe.zrem(layer._group_key(group), channel)
    )


async def _redis_pipelines(layer, pairs: list[tuple[str, str]], command) -> None:
    # One pipeline per shard, all at once: a burst takes one pooled connection per shard, where a call per
    # socket took one each and ran out of them (redis-py 8 allows 100 per pool: "Too many connections").
    by_shard: dict[int, list[tuple[str, str]]] = {}
    for group, channel in pairs:
        assert layer.require_valid_group_name(group), "Group name not valid"
        assert layer.require_valid_channel_name(channel), "Channel name not valid"
        by_shard.setdefault(layer.consistent_hash(group), []).append((group, channel))

    async def run(index: int, items: list[tuple[str, str]]) -> None:
        pipe = layer.connection(index).pipeline(transaction=False)
        for group, channel in items:
            command(pipe, group, channel)
        await pipe.execute()

    await asyncio.gather(*(run(index, items) for index, items in by_shard.items()))


async def _beat() -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await database_sync_to_async(presence_heartbeat)(dict(_local))
        except Exception:  # the database briefly away: the next beat tries again; rows go stale after several
            logger.exception("Inbox presence heartbeat failed")
