"""Publishing outbox events and registering their handlers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

Handler = Callable[[dict, int], None]


@dataclass(frozen=True)
class Registration:
    """How a topic's events are handled.

    `atomic`: run the handler in a transaction that also marks the event done (its writes and the
    completion commit together: exactly once for database work). Handlers that talk to the network,
    push over the channel layer or run their own transactions (a launch slice) say False and must be
    idempotent: they can run again after a crash.
    `inline`: also try the event in the publishing process right after its transaction commits (low
    latency for live pushes); the worker remains the safety net when that process dies first.
    `lease_seconds`: how long a claim lasts; longer than the handler can take.
    `batch`: the handler takes lists, `func(payloads, event_ids)`, and the worker gives it every event of
    the topic it claimed at once, in one transaction (must be atomic): many small events cost one
    transaction. If a batch fails, its events are handled one by one, so one bad event holds up no other.
    """

    topic: str
    func: Handler
    atomic: bool = True
    inline: bool = False
    lease_seconds: int = 30
    batch: bool = False


_registry: dict[str, Registration] = {}


def handler(
    topic: str, *, atomic: bool = True, inline: bool = False, lease_seconds: int = 30, batch: bool = False
) -> Callable[[Handler], Handler]:
    """Register `func(payload, event_id)` (with `batch`: `func(payloads, event_ids)`) as the one handler
    of `topic` (a decorator)."""
    if batch and not atomic:
        raise ValueError("A batch handler is atomic: its events are marked done with its writes.")

    def register(func: Handler) -> Handler:
        existing = _registry.get(topic)
        if existing is not None and existing.func is not func:
            raise ValueError(f'Outbox topic "{topic}" already has a handler ({existing.func.__qualname__})')
        _registry[topic] = Registration(
            topic, func, atomic=atomic, inline=inline, lease_seconds=lease_seconds, batch=batch
        )
        return func

    return register


def handlers() -> dict[str, Registration]:
    """Every registered topic (a copy)."""
    return dict(_registry)


def publish(topic: str, payload: dict, *, available_at: datetime | None = None):
    """Write an event in the caller's transaction (so it exists exactly when the change does).

    Topics registered with `inline=True` are handled in this process right after commit; so is every
    topic when settings.OUTBOX_RELAY_ALL (tests), if no worker has claimed it first. `available_at` delays
    handling (a retry, a timer). Inside `together()` the event is written when that block ends (its `pk`
    is None until then).
    """
    # Imported here: this package is imported while Django loads the apps, before models can be.
    from people.outbox.models import OutboxEvent

    fields: dict = {"available_at": available_at} if available_at is not None else {}
    registration = _registry.get(topic)
    # Who handles it right after commit: this process (inline topics, and every topic in tests with
    # OUTBOX_RELAY_ALL, unless a worker claims it first); never a delayed event or one without a handler.
    relayed = registration is not None and available_at is None
    if relayed and registration.inline:
        # Written already claimed by this process, so the relay after commit needs no claim of its own
        # (a transaction of two statements, a third of a live push's database work). Should this process
        # die first, the lease runs out and the worker takes the event up.
        fields.update(
            claimed_until=timezone.now() + timedelta(seconds=registration.lease_seconds), attempts=1
        )
    event = OutboxEvent(topic=topic, payload=payload, **fields)
    pending = getattr(_together, "events", None)
    if pending is not None:
        pending.append((event, relayed))
    else:
        _write([(event, relayed)])
    return event


_together = threading.local()


@contextmanager
def together() -> Iterator[None]:
    """Events published inside the block are written together when it ends, in one INSERT, still in the
    caller's transaction (an answer publishes its live push and its report counters: one statement, not
    two). Nested blocks write with the outermost; an exception discards the block's events (its
    transaction rolls back anyway)."""
    if getattr(_together, "events", None) is not None:
        yield
        return
    _together.events = []
    try:
        yield
        events = _together.events
    finally:
        _together.events = None
    _write(events)


def _write(events: list[tuple]) -> None:
    """Insert (event, relayed) pairs (each event's pk set) and arrange the relay after commit of those
    relayed here."""
    from people.outbox.models import OutboxEvent

    if not events:
        return
    if len(events) == 1:
        events[0][0].save(force_insert=True)
    else:
        OutboxEvent.objects.bulk_create([event for event, _ in events])
    inline = [event for event, relayed in events if relayed and event.claimed_until is not None]
    unclaimed = [event.pk for event, relayed in events if relayed and event.claimed_until is None]
    if not settings.OUTBOX_RELAY_ALL:
        unclaimed = []
    # robust: a failure here (a locked database) must not fail the request whose change committed; the
    # worker takes the event up (once the lease ends).
    if inline:
        transaction.on_commit(lambda: relay(inline), robust=True)
    if unclaimed:
        transaction.on_commit(lambda: _relay_unclaimed(unclaimed), robust=True)


def relay(events: list) -> None:
    """Handle events this process claimed, now (after commit)."""
    from people.outbox.worker import handle_all

    handle_all(events)


def _relay_unclaimed(event_ids: list[int]) -> None:
    """Handle events now that no worker has claimed yet (OUTBOX_RELAY_ALL, after commit)."""
    from people.outbox.worker import claim_ids, handle_all

    handle_all(claim_ids(event_ids))
