"""Batching the work of many tasks of one event loop: what sockets connecting or closing together ask of
the database and the channel layer (messaging/presence.py, messaging/consumers.py, flowdesigner/asgi.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class Batcher:
    """Runs `run(items)` (a coroutine function returning one result per item, in order) for the items that
    many tasks of one event loop submit, a batch at a time: the first item starts a batch at once, and what
    is submitted while it runs waits for its end and goes in the next batch together.

    After a restart thousands of sockets reconnect at once, and per socket a thread hop, a few queries and
    Redis round trips cost more than the work itself; batched, one database call or pipeline serves
    hundreds of them. A lone socket waits no longer than before. A batch takes at most `max_items` (in
    the order submitted): its statements stay well under SQLite's limit of bound parameters, and the
    first socket of a burst does not wait for the whole burst. An item whose submitter was cancelled
    before its batch started (daphne dropped a handshake that waited too long) is left out."""

    def __init__(self, run: Callable[[list], Awaitable[list]], max_items: int = 500) -> None:
        self._run = run
        self._max_items = max_items
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._task: asyncio.Task | None = None

    def submit(self, item) -> asyncio.Future:
        """Queue `item`; the future gets its result (or the batch's exception)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new event loop (tests start one each): nothing of the old one is valid
            self._loop, self._pending, self._task = loop, [], None
        future = loop.create_future()
        self._pending.append((item, future))
        if self._task is None:
            self._task = loop.create_task(self._drain())
        return future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch = self._pending[: self._max_items]
                del self._pending[: self._max_items]
                batch = [(item, future) for item, future in batch if not future.done()]
                if not batch:
                    continue
                try:
                    results = await self._run([item for item, _ in batch])
                except BaseException as error:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    if not isinstance(error, Exception):
                        raise
                else:
                    for (_, future), result in zip(batch, results, strict=True):
                        if not future.done():
                            future.set_result(result)
        finally:
            if self._task is asyncio.current_task():
                self._task = None
