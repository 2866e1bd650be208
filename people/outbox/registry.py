"""Publishing outbox events and registering their handlers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction

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

    Topics registered with `inline=True` (every topic when settings.OUTBOX_RELAY_ALL) are also tried in
    this process right after commit. `available_at` delays handling (a retry, a timer).
    """
    # Imported here: this package is imported while Django loads the apps, before models can be.
    from people.outbox.models import OutboxEvent

    fields = {"available_at": available_at} if available_at is not None else {}
    event = OutboxEvent.objects.create(topic=topic, payload=payload, **fields)
    registration = _registry.get(topic)
    inline = settings.OUTBOX_RELAY_ALL or (registration is not None and registration.inline)
    if inline and registration is not None and available_at is None:
        # robust: a failure here (a locked database) must not fail the request whose change committed;
        # the worker takes the event up instead.
        transaction.on_commit(lambda: relay([event.pk]), robust=True)
    return event


def relay(event_ids: list[int]) -> None:
    """Handle these events now in this process, if nobody has claimed them (after commit)."""
    from people.outbox.worker import claim_ids, handle_all

    handle_all(claim_ids(event_ids))
