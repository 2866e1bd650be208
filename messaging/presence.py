"""Who has an inbox open: one `InboxPresence` row per open inbox websocket, so a dispatch pushes only to
persons someone is looking at (`persons_online`) instead of sending to every person's group.

A row is written when a socket connects (after it joined its group, so "online" always means the push
arrives) and deleted when it closes. Each process holding sockets names itself `host:pid:start` and beats
every HEARTBEAT_SECONDS (`InboxPresenceServer.seen_at`) while it holds any; a beat also deletes the rows
of processes silent for STALE_AFTER_SECONDS (killed, or their machine lost). A stale row is harmless
meanwhile: it costs one send to a channel nobody reads. A live process whose rows were dropped anyway
(its event loop stalled past STALE_AFTER_SECONDS) writes them again at its next beat."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Iterable
from datetime import timedelta

from channels.db import database_sync_to_async
from django.db import connection, transaction
from django.utils import timezone

from messaging.models import InboxPresence, InboxPresenceServer

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60
# Five missed beats: a busy process is not mistaken for a dead one.
STALE_AFTER_SECONDS = 5 * HEARTBEAT_SECONDS

# This process's open inbox sockets (channel name -> person id), to write them again if needed.
_local: dict[str, int] = {}
_server: tuple[int, str] | None = None
_heartbeat: asyncio.Task | None = None


def server_id() -> str:
    """This process's name in presence rows: host:pid:start (the start tells a reused pid apart)."""
    global _server
    pid = os.getpid()
    if _server is None or _server[0] != pid:  # a forked worker is a new server
        _server = (pid, f"{socket.gethostname()[:200]}:{pid}:{int(time.time())}")
    return _server[1]


def persons_online(person_ids: Iterable[int]) -> set[int]:
    """Which of these persons have at least one inbox socket open on any process, in one query.

    The ids travel as one parameter (a JSON array on SQLite, an array on PostgreSQL), so a batch of any
    size is one statement."""
    ids = [int(i) for i in person_ids]
    if not ids:
        return set()
    if connection.vendor == "postgresql":
        sql, param = "SELECT DISTINCT person_id FROM messaging_inboxpresence WHERE person_id = ANY(%s)", ids
    else:
        sql = (
            "SELECT DISTINCT person_id FROM messaging_inboxpresence"
            " WHERE person_id IN (SELECT value FROM json_each(%s))"
        )
        param = "[" + ",".join(map(str, ids)) + "]"
    with connection.cursor() as cursor:
        cursor.execute(sql, [param])
        return {row[0] for row in cursor.fetchall()}


def presence_add(*, channel_name: str, person_id: int, register: bool = False) -> None:
    """Record an open inbox socket (one insert; `register` also marks this process alive, for its first
    socket)."""
    now = timezone.now()
    server = server_id()
    if register:
        InboxPresenceServer.objects.update_or_create(server=server, defaults={"seen_at": now})
    InboxPresence.objects.create(
        channel_name=channel_name, person_id=person_id, server=server, connected_at=now
    )


def presence_remove(*, channel_name: str) -> None:
    """Forget a closed inbox socket."""
    InboxPresence.objects.filter(channel_name=channel_name).delete()


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


async def socket_opened(channel_name: str, person_id: int) -> None:
    """An inbox socket of `person_id` joined its group: record it (and start this process's heartbeat
    with its first socket)."""
    global _heartbeat
    loop = asyncio.get_running_loop()
    # Not beating (no socket here for a while, or a new event loop): our server row may be stale or gone
    # by now, so it is written again with this socket.
    idle = _heartbeat is None or _heartbeat.done() or _heartbeat.get_loop() is not loop
    if idle:  # before the insert's await, so sockets connecting meanwhile start no second heartbeat
        _heartbeat = loop.create_task(_beat())
    _local[channel_name] = person_id
    await database_sync_to_async(presence_add)(channel_name=channel_name, person_id=person_id, register=idle)


async def socket_closed(channel_name: str) -> None:
    """An inbox socket closed: forget it (and stop the heartbeat with this process's last socket)."""
    global _heartbeat
    if _local.pop(channel_name, None) is None:
        return
    if not _local and _heartbeat is not None:
        if _heartbeat.get_loop() is asyncio.get_running_loop():
            _heartbeat.cancel()
        _heartbeat = None
    await database_sync_to_async(presence_remove)(channel_name=channel_name)


async def _beat() -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            await database_sync_to_async(presence_heartbeat)(dict(_local))
        except Exception:  # the database briefly away: the next beat tries again; rows go stale after several
            logger.exception("Inbox presence heartbeat failed")
