"""Publishing outbox events and registering their handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    handling (a retry, a timer).
    """
    # Imported here: this package is imported while Django loads the apps, before models can be.
    from people.outbox.models import OutboxEvent

    fields: dict = {"available_at": available_at} if available_at is not None else {}
    registration = _registry.get(topic)
    if registration is None or available_at is not None:
        return OutboxEvent.objects.create(topic=topic, payload=payload, **fields)
    if registration.inline:
        # Written already claimed by this process, so the relay after commit needs no claim of its own
        # (a transaction of two statements, a third of a live push's database work). Should this process
        # die first, the lease runs out and the worker takes the event up.
        fields.update(
            claimed_until=timezone.now() + timedelta(seconds=registration.lease_seconds), attempts=1
        )
    event = OutboxEvent.objects.create(topic=topic, payload=payload, **fields)
    # robust: a failure here (a locked database) must not fail the request whose change committed; the
    # worker takes the event up (once the lease ends).
    if registration.inline:
        transaction.on_commit(lambda: relay([event]), robust=True)
    elif settings.OUTBOX_RELAY_ALL:
        transaction.on_commit(lambda: _relay_unclaimed(event.pk), robust=True)
    return event


def relay(events: list) -> None:
    """Handle events this process claimed, now (after commit)."""
    from people.outbox.worker import handle_all

    handle_all(events)


def _relay_unclaimed(event_id: int) -> None:
    """Handle an event now if no worker has claimed it yet (OUTBOX_RELAY_ALL, after commit)."""
    from people.outbox.worker import claim_ids, handle_all

    handle_all(claim_ids([event_id]))
