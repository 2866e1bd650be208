"""Channel-layer sends in batches, and the embedded (SQLite) layer that delivers a backlog at once.

`group_send_many(layer, events)` sends many (group, message) pairs in as few round trips as the layer
allows: on Redis one pipeline reading every group's members and one Lua script pushing every message
(per shard); on the embedded layer one query for the members and one bulk insert, or no database at all
for sockets held by this very process; on any other layer one `group_send` after the other.
`send_many(layer, deliveries)` does the same for (channel, message) pairs whose channels are known (the
inbox push reads them off the presence rows), from sync code: no group lookup, and on the embedded
layer no hop to the event loop either.

`EmbeddedChannelLayer` is channels-lite's SQLite layer, changed where it falls short:
- a poll takes every pending event of this process in one read and one delete, on a thread of its own
  (channels-lite moves one event per step, two queries each on the thread of sync views, so a backlog
  builds above ~20 messages/s);
- a group send to a socket of this process goes straight into its buffer, no database;
- a full socket buffer drops that socket's oldest message instead of stalling every socket of the
  process, and an empty one is dropped (channels-lite kept one per socket ever opened);
- a killed process's group memberships are removed once its unread events expire (channels-lite's
  cleanup never found them)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels_lite.layers import BoundedQueue
from channels_lite.layers.core import SQLiteChannelLayer
from channels_lite.models import Event, GroupMembership
from channels_redis.core import RedisChannelLayer
from django.db.models import Count
from django.utils import timezone

logger = logging.getLogger(__name__)

Events = list[tuple[str, dict]]

# Redis: messages per Lua script call (a pipeline carries all of them in one round trip), so Redis is
# never blocked long by one script.
REDIS_SCRIPT_CHUNK = 1000
_last_score = 0.0  # the score of this process's last message sent to Redis
# Embedded: most events one poll takes at once (it polls again at once when it took that many).
POLL_BATCH = 1000
# SQLite: group names per membership query, well under its limit of bound parameters.
GROUPS_PER_QUERY = 900


async def group_send_many(layer, events: Events) -> None:
    """Send each message to its group, in order, in as few round trips as `layer` allows.

    The layer's semantics are kept: members whose group membership expired are skipped, messages expire
    after the layer's `expiry`, and a channel at capacity drops the message (logged, as group_send does)."""
    if not events:
        return
    if isinstance(layer, RedisChannelLayer):
        await _redis_group_send_many(layer, events)
    elif hasattr(layer, "group_send_many"):
        await layer.group_send_many(events)
    else:
        for group, message in events:
            await layer.group_send(group, message)


def send_many(layer, deliveries: Events) -> None:
    """Send each message to its channel, in order, from sync code (a request's thread, the worker): on
    the embedded layer one bulk insert on this thread, on Redis one Lua script per shard, elsewhere one
    `send` after the other. Expiry and capacity as the layer's own `send`."""
    if not deliveries:
        return
    if isinstance(layer, EmbeddedChannelLayer):
        layer.send_many_sync(deliveries)
    elif isinstance(layer, RedisChannelLayer):
        async_to_sync(_redis_push)(layer, [([channel], message) for channel, message in deliveries])
    else:
        async_to_sync(_send_each)(layer, deliveries)


async def _send_each(layer, deliveries: Events) -> None:
    for channel, message in deliveries:
        await layer.send(channel, message)


def local_loop(layer) -> asyncio.AbstractEventLoop | None:
    """The event loop on which `buffer_put` can hand this layer's sockets their messages in-process: the
    embedded layer's while this process polls, the scale layer's while its reader runs (a poll or reader
    that stops drops the buffers). None on channels-redis's own layer: one of its receivers blocks in
    Redis for the whole process and would not see its own buffer filled."""
    if isinstance(layer, EmbeddedChannelLayer | ScaleChannelLayer):
        return layer._local_loop()
    return None


def buffer_put(layer, channel: str, message: dict) -> None:
    """Put a message straight into the receive buffer of a socket of this process (on its event loop's
    thread), where the layer's `receive` finds it as if it had come through the database."""
    layer._buffer_put(channel, message)


# --- Redis ------------------------------------------------------------------------------------------

# As channels-redis's group_send script, for many keys and messages at once: drop expired messages of each
# key once, add each message unless its key is at capacity, set each touched key to expire. KEYS[i] gets
# ARGV[3i]: the message, ARGV[3i+1]: the key's capacity, ARGV[3i+2]: its score (increasing in send order,
# so the blocking pop on the receiving side hands them out in order).
_GROUP_SEND_MANY_LUA = """
local expiry = ARGV[1]
local expired_before = ARGV[2]
local over_capacity = 0
local touched = {}
for i = 1, #KEYS do
    local key = KEYS[i]
    if not touched[key] then
        redis.call('ZREMRANGEBYSCORE', key, 0, expired_before)
        touched[key] = true
    end
    if redis.call('ZCARD', key) < tonumber(ARGV[3 * i + 1]) then
        redis.call('ZADD', key, ARGV[3 * i + 2], ARGV[3 * i])
    else
        over_capacity = over_capacity + 1
    end
end
for key, _ in pairs(touched) do
    redis.call('EXPIRE', key, expiry)
end
return over_capacity
"""


async def _redis_group_send_many(layer: RedisChannelLayer, events: Events) -> None:
    members = await _redis_group_members(layer, {group for group, _ in events}, time.time())
    await _redis_push(layer, [(members[group], message) for group, message in events if members.get(group)])


async def _redis_push(layer: RedisChannelLayer, sends: list[tuple[list[str], dict]]) -> None:
    """Push each message to its channels, in order: one pipeline of Lua script calls per shard."""
    global _last_score
    now = time.time()
    # Per shard, (channel key, serialized message, capacity, score) in send order. channels-redis's own
    # mapping puts one message per key carrying every channel of the group behind that key
    # (__asgi_channel__). Scores are distinct and increase across batches of this process: equal scores
    # would pop in random (member) order.
    per_shard: dict[int, list[tuple[str, bytes, int, float]]] = defaultdict(list)
    score = max(now, _last_score)
    for channels, message in sends:
        shard_keys, key_messages, key_capacities = layer._map_channel_keys_to_connection(channels, message)
        for index, keys in shard_keys.items():
            for key in keys:
                score += 1e-6
                per_shard[index].append((key, key_messages[key], key_capacities[key], score))
    _last_score = score

    async def push(index: int, entries: list[tuple[str, bytes, int, float]]) -> int:
        pipe = layer.connection(index).pipeline(transaction=False)
        for start in range(0, len(entries), REDIS_SCRIPT_CHUNK):
            chunk = entries[start : start + REDIS_SCRIPT_CHUNK]
            args: list = [int(layer.expiry), int(now) - int(layer.expiry)]
            for _, data, capacity, entry_score in chunk:
                args += [data, capacity, entry_score]
            pipe.eval(_GROUP_SEND_MANY_LUA, len(chunk), *(entry[0] for entry in chunk), *args)
        return sum(await pipe.execute())

    dropped = await asyncio.gather(*(push(index, entries) for index, entries in per_shard.items()))
    if sum(dropped):
        logger.info("%s of %s messages dropped: their channels are at capacity", sum(dropped), len(sends))


async def _redis_group_members(
    layer: RedisChannelLayer, groups: set[str], now: float
) -> dict[str, list[str]]:
    """Each group's live channels: one pipeline per shard, as group_send reads them (expired members
    removed first)."""
    by_shard: dict[int, list[str]] = defaultdict(list)
    for group in groups:
        assert layer.require_valid_group_name(group), "Group name not valid"
        by_shard[layer.consistent_hash(group)].append(group)

    async def read(index: int, names: list[str]) -> dict[str, list[str]]:
        pipe = layer.connection(index).pipeline(transaction=False)
        for group in names:
            key = layer._group_key(group)
            pipe.zremrangebyscore(key, min=0, max=int(now) - layer.group_expiry)
            pipe.zrange(key, 0, -1)
        replies = await pipe.execute()
        return {group: [c.decode("utf8") for c in replies[2 * i + 1]] for i, group in enumerate(names)}

    members: dict[str, list[str]] = {}
    for found in await asyncio.gather(*(read(index, names) for index, names in by_shard.items())):
        members.update(found)
    return members


class ScaleChannelLayer(RedisChannelLayer):
    """channels-redis's core layer, with one reader per process.

    channels-redis lets whichever socket's receive() holds its lock pop the process's next message from
    Redis for everyone: four round trips per message (a cleanup script, BZPOPMIN, a ZADD to a backup queue,
    a ZPOPMIN off it in a task of its own). Here one reader task per process pops the process's messages,
    up to READ_BATCH per round in two round trips, into the sockets' buffers, and receive() only awaits its
    buffer; so a push from this process to its own sockets (presence.deliver_here) goes straight into their
    buffers, no trip through Redis. The reader stops once no socket has received for a round
    (brpop_timeout), and on Redis errors it retries rather than closing every socket of the process.

    No backup queue: a message popped as the reader is cancelled (only when its event loop ends, and with
    it every socket the message could be for) is lost with those sockets. Channels without "!" (not a
    process's) are received as channels-redis does."""

    READ_BATCH = 500

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._reader: asyncio.Task | None = None
        self._reader_loop: asyncio.AbstractEventLoop | None = None
        self._receivers = 0

    async def receive(self, channel: str) -> dict:
        if "!" not in channel:
            return await super().receive(channel)
        assert self.require_valid_channel_name(channel)
        self._start_reader(self.non_local_name(channel))
        buffer = self.receive_buffer[channel]
        self._receivers += 1
        try:
            return await buffer.get()
        finally:
            self._receivers -= 1
            if buffer.empty() and self.receive_buffer.get(channel) is buffer:
                del self.receive_buffer[channel]  # a closed socket leaves nothing behind

    def _start_reader(self, process_channel: str) -> None:
        loop = asyncio.get_running_loop()
        if self._reader is not None and not self._reader.done() and self._reader_loop is loop:
            return
        if self._reader_loop is not loop:
            self.receive_buffer.clear()  # buffers of an event loop that ended (tests run one per test)
        self._reader_loop = loop
        self._reader = loop.create_task(self._read(process_channel), name="channel-layer-reader")

    async def _read(self, process_channel: str) -> None:
        me = asyncio.current_task()
        key = self.prefix + process_channel
        connection = self.connection(self.consistent_hash(process_channel))
        failing = False  # logged once per outage, not every second of it
        try:
            # redis-py may swallow a cancellation that lands just as a command starts: the task would
            # carry on, so every round checks that it was not asked to stop.
            while self._reader is me and not me.cancelling():
                try:
                    popped = await connection.bzpopmin(key, timeout=self.brpop_timeout)
                    if popped is None:
                        if self._receivers == 0:
                            return
                        continue
                    contents = [popped[1]]
                    contents += [member for member, _ in await connection.zpopmin(key, self.READ_BATCH)]
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if not failing:
                        logger.exception("Reading this process's channel-layer messages from Redis failed")
                    failing = True
                    await asyncio.sleep(1)
                    continue
                if failing:
                    logger.warning("Reading channel-layer messages from Redis works again")
                    failing = False
                for content in contents:
                    message = self.deserialize(content)
                    channels = message.pop("__asgi_channel__", process_channel)
                    for channel in channels if isinstance(channels, list) else [channels]:
                        self._buffer_put(channel, message)
        finally:
            if self._reader is me:
                self._reader = None

    def _local_loop(self) -> asyncio.AbstractEventLoop | None:
        reader, loop = self._reader, self._reader_loop
        if reader is None or reader.done() or loop is None or loop.is_closed():
            return None
        return loop

    def _buffer_put(self, channel: str, message: dict) -> None:
        # BoundedQueue: a full buffer (a socket not reading) loses its oldest message.
        self.receive_buffer[channel].put_nowait(message)


# --- Embedded (SQLite) --------------------------------------------------------------------------------


class EmbeddedChannelLayer(SQLiteChannelLayer):
    """channels-lite's SQLite layer, delivering a backlog per poll, and in-process when it can (see the
    module's docstring). Messages between processes are stored exactly as channels-lite stores them."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # The poll's queries run on a thread of their own: on the shared thread of sync views they would
        # wait behind every request (and delay them).
        self._poll_executor: ThreadPoolExecutor | None = None
        self._poll_loop: asyncio.AbstractEventLoop | None = None

    # Sending ---------------------------------------------------------------------------------------

    async def group_send(self, group: str, message: dict) -> None:
        await self.group_send_many([(group, message)])

    async def group_send_many(self, events: Events) -> None:
        """Send each message to its group's live members: members on this process get it in their buffer,
        the others in one bulk insert; one thread hop and three queries (per 900 groups) for the batch."""
        for group, message in events:
            assert isinstance(message, dict), "Message is not a dict"
            self.require_valid_group_name(group)
        local_loop = self._local_loop()
        local = await sync_to_async(self._group_send_many_sync)(events, local_loop)
        for channel, message in local:
            self._deliver_to(local_loop, channel, message)

    def _group_send_many_sync(
        self, events: Events, local_loop: asyncio.AbstractEventLoop | None
    ) -> list[tuple[str, dict]]:
        """Insert the batch's events of other processes; return those for this process's sockets."""
        now = timezone.now()
        groups = list(dict.fromkeys(group for group, _ in events))
        members: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(groups), GROUPS_PER_QUERY):
            rows = GroupMembership.objects.filter(
                group_name__in=groups[start : start + GROUPS_PER_QUERY], expires_at__gte=now
            ).values_list("group_name", "channel_name")
            for group, channel in rows.order_by("id"):
                members[group].append(channel)

        local: list[tuple[str, dict]] = []
        remote: Events = []
        for group, message in events:
            for channel in members.get(group, ()):
                if local_loop is not None and self._is_local(channel):
                    local.append((channel, message))
                else:
                    remote.append((channel, message))
        self.send_many_sync(remote)
        return local

    def send_many_sync(self, deliveries: Events) -> None:
        """Store messages for channels read by other processes (or by this one's poll): one bulk insert,
        from sync code."""
        if not deliveries:
            return
        now = timezone.now()
        # (stored channel name: a process's queue for its sockets, full channel name, message)
        remote = [
            (self.non_local_name(channel) if "!" in channel else channel, channel, message)
            for channel, message in deliveries
        ]
        # Capacity as channels-lite counts it (pending events per stored name, i.e. per process for
        # sockets), in one query for the batch, counting the batch's own events as they are added.
        pending: dict[str, int] = defaultdict(int)
        if self.enforce_capacity:
            names = list({stored for stored, _, _ in remote})
            for start in range(0, len(names), GROUPS_PER_QUERY):
                counts = (
                    Event.objects.filter(
                        channel_name__in=names[start : start + GROUPS_PER_QUERY],
                        delivered=False,
                        expires_at__gte=now,
                    )
                    .values_list("channel_name")
                    .annotate(n=Count("id"))
                )
                pending.update(dict(counts))
        expires_at = now + timedelta(seconds=self.expiry)
        rows, dropped = [], 0
        for stored, channel, message in remote:
            if self.enforce_capacity:
                if pending[stored] >= self.get_capacity(channel):
                    dropped += 1
                    continue
                pending[stored] += 1
            data = dict(message, __asgi_channel__=channel) if "!" in channel else message
            rows.append(Event(channel_name=stored, data=self.serialize(data), expires_at=expires_at))
        if dropped:
            logger.info("%s of %s messages dropped: their channels are at capacity", dropped, len(remote))
        _retry_when_locked(lambda: Event.objects.bulk_create(rows))

    def _is_local(self, channel: str) -> bool:
        return "!" in channel and self.non_local_name(channel).endswith(self.client_prefix + "!")

    def _local_loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop our sockets receive on, while this process polls (else None: send through the
        database, the poll picks it up once it runs)."""
        prefix = f"specific.{self.client_prefix}!"
        task = self._polling_tasks.get(prefix)
        if task is None or task.done() or self._poll_loop is None or self._poll_loop.is_closed():
            return None
        return self._poll_loop

    def _deliver_to(self, loop: asyncio.AbstractEventLoop, channel: str, message: dict) -> None:
        # Through the serializer, as the database path does: each socket gets its own copy, and a message
        # that would not survive the trip between processes fails here too.
        message = self.deserialize(self.serialize(message))
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is running:
            self._buffer_put(channel, message)
            return
        try:
            loop.call_soon_threadsafe(self._buffer_put, channel, message)
        except RuntimeError:  # the loop closed meanwhile, and with it every socket it held
            logger.info("Message to %s dropped: its event loop is closed", channel)

    def _buffer_put(self, channel: str, message: dict) -> None:
        buffer = self.receive_buffer.get(channel)
        if buffer is None:
            buffer = self.receive_buffer[channel] = BoundedQueue(maxsize=self.get_capacity(channel))
        # A full buffer (a socket not reading) loses its oldest message; awaiting room, as channels-lite
        # does, would stall the poll and with it every other socket of the process.
        buffer.put_nowait(message)

    # Receiving -------------------------------------------------------------------------------------

    async def receive(self, channel: str) -> dict:
        # channels-lite keeps a buffer per socket for the life of the process; dropped once empty (as
        # channels-redis does), a closed socket leaves nothing behind.
        try:
            return await super().receive(channel)
        finally:
            buffer = self.receive_buffer.get(channel)
            if buffer is not None and buffer.empty():
                del self.receive_buffer[channel]

    async def poll(self, prefix: str) -> int:
        """One poll: move every pending event of `prefix` (this process) into its socket's buffer, in the
        order they were sent. Returns how many."""
        if self._poll_executor is None:
            self._poll_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="channels-poll")
        take = SyncToAsync(self._take_pending, thread_sensitive=False, executor=self._poll_executor)
        taken = await self._execute_with_retry(lambda: take(prefix))
        for data in taken:
            message = self.deserialize(data)
            self._buffer_put(self._extract_message_channel(message, prefix), message)
        return len(taken)

    @staticmethod
    def _take_pending(prefix: str) -> list[bytes]:
        # A read first, taking no lock (WAL), so an idle poll never competes with writers; the delete
        # only when there is something to take. Only this process reads its prefix.
        rows = list(
            Event.objects.filter(channel_name=prefix, delivered=False, expires_at__gte=timezone.now())
            .order_by("id")
            .values_list("id", "data")[:POLL_BATCH]
        )
        if rows:
            Event.objects.filter(id__in=[pk for pk, _ in rows]).delete()
        return [bytes(data) for _, data in rows]

    async def _poll_and_distribute(self, prefix: str) -> None:
        # channels-lite's loop (stop after polling_idle_timeout without receivers, clean up when
        # cancelled), taking everything pending per poll.
        self._poll_loop = asyncio.get_running_loop()
        last_activity = time.monotonic()
        try:
            while True:
                if (
                    self._active_receivers[prefix] == 0
                    and time.monotonic() - last_activity > self.polling_idle_timeout
                ):
                    for channel in [c for c in self.receive_buffer if c.startswith(prefix)]:
                        del self.receive_buffer[channel]
                    self._polling_tasks.pop(prefix, None)
                    self._active_receivers.pop(prefix, None)
                    self._polling_locks.pop(prefix, None)
                    return
                try:
                    taken = await self.poll(prefix)
                except Exception:
                    logger.exception("Polling the channel layer failed")
                    taken = 0
                if taken:
                    last_activity = time.monotonic()
                if taken < POLL_BATCH:
                    if not taken and self.auto_trim and random.random() < 0.01:
                        await self.clean_expired()
                    await asyncio.sleep(self.polling_interval)
        except asyncio.CancelledError:
            self._polling_tasks.pop(prefix, None)
            self._polling_locks.pop(prefix, None)
            raise

    async def clean_expired(self) -> None:
        """Forget the group memberships of processes that stopped reading (killed: they never left their
        groups), then delete expired events and memberships. channels-lite deletes the expired events
        first and then looks for them, and compares a socket's name with its process's queue name, so it
        never found a dead process."""
        await sync_to_async(self._clean_expired_sync)()

    def _clean_expired_sync(self) -> None:
        now = timezone.now()
        # A live process takes its events within a poll; one left unread past its expiry and a grace
        # period means nobody reads that queue any more.
        unread = (
            Event.objects.filter(delivered=False, expires_at__lt=now - timedelta(seconds=30))
            .values_list("channel_name", flat=True)
            .distinct()
        )
        for name in list(unread):
            if name.endswith("!"):  # a process's queue: every socket of that process
                GroupMembership.objects.filter(channel_name__startswith=name).delete()
            else:
                GroupMembership.objects.filter(channel_name=name).delete()
        Event.objects.filter(expires_at__lt=now).delete()
        GroupMembership.objects.filter(expires_at__lt=now).delete()

    async def close(self) -> None:
        await super().close()
        if self._poll_executor is not None:
            self._poll_executor.shutdown(wait=False)
            self._poll_executor = None


def _retry_when_locked(operation, attempts: int = 3):
    """channels-lite's retry on "database is locked", for a sync operation."""
    for attempt in range(attempts):
        try:
            return operation()
        except Exception as error:
            if "locked" not in str(error).lower() or attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2**attempt)
