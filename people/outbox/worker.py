"""Claiming and handling outbox events: the loop `manage.py worker` runs, and the in-process relay.

Claims take due rows in id order under a lease (`claimed_until`): FOR UPDATE SKIP LOCKED on
PostgreSQL, so any number of workers share the work; on SQLite the IMMEDIATE transaction makes one
claimer at a time. A handler that raises is retried with backoff (1 s doubling to 5 min) up to
OUTBOX_MAX_ATTEMPTS, then the event is marked dead and logged.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from people.outbox.models import OutboxEvent
from people.outbox.registry import handlers

logger = logging.getLogger(__name__)


def _claimable(now) -> Q:
    return Q(done_at__isnull=True, dead_at__isnull=True, available_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _claim(queryset, now) -> list[OutboxEvent]:
    """Lease the rows of `queryset` (already limited) and return them. A row claimed
    OUTBOX_MAX_ATTEMPTS times already (its handler kept killing the worker, so it never got to raise)
    is marked dead instead."""
    registry = handlers()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            queryset = queryset.select_for_update(skip_locked=True)
        events = list(queryset)
        poisoned = [e.pk for e in events if e.attempts >= settings.OUTBOX_MAX_ATTEMPTS]
        if poisoned:
            OutboxEvent.objects.filter(pk__in=poisoned).update(
                dead_at=now,
                claimed_until=None,
                last_error="Given up: the worker stopped during every attempt",
            )
            logger.error("Outbox events %s given up: the worker stopped during every attempt", poisoned)
            events = [e for e in events if e.pk not in poisoned]
        by_lease: dict[int, list[OutboxEvent]] = {}
        for event in events:
            # Only topics with a handler are claimed (a row waits until its handler exists).
            by_lease.setdefault(registry[event.topic].lease_seconds, []).append(event)
        # One UPDATE per lease length (bulk_update's CASE WHEN per row cost more than the claim itself).
        for lease_seconds, leased in by_lease.items():
            until = now + timedelta(seconds=lease_seconds)
            OutboxEvent.objects.filter(pk__in=[e.pk for e in leased]).update(
                claimed_until=until, attempts=F("attempts") + 1
            )
            for event in leased:
                event.claimed_until = until
                event.attempts += 1
    return events


CLAIM_LIMIT = 50


def claim_due(limit: int = CLAIM_LIMIT) -> list[OutboxEvent]:
    """Lease up to `limit` due events, oldest first (only topics that have a handler)."""
    now = timezone.now()
    topics = list(handlers())
    queryset = OutboxEvent.objects.filter(_claimable(now), topic__in=topics).order_by("available_at", "id")
    return _claim(queryset[:limit], now)


def claim_ids(event_ids: list[int]) -> list[OutboxEvent]:
    """Lease these events if they are due, unclaimed and have a handler (settings.OUTBOX_RELAY_ALL's relay
    after commit)."""
    now = timezone.now()
    events = OutboxEvent.objects.filter(_claimable(now), pk__in=event_ids, topic__in=list(handlers()))
    return _claim(events.order_by("id"), now)


def handle_all(events: list[OutboxEvent], stop: threading.Event | None = None) -> None:
    """Handle claimed events: each alone, except those of batch topics, handled together per topic.
    Once `stop` is set no further one starts (the rest wait for their lease to end)."""
    registry = handlers()
    batches: dict[str, list[OutboxEvent]] = {}
    for event in events:
        if stop is not None and stop.is_set():
            return
        if registry[event.topic].batch:
            batches.setdefault(event.topic, []).append(event)
        else:
            handle(event)
    for topic, batch in batches.items():
        if len(batch) == 1:
            handle(batch[0])
            continue
        try:
            with transaction.atomic():
                registry[topic].func([e.payload for e in batch], [e.pk for e in batch])
                OutboxEvent.objects.filter(pk__in=[e.pk for e in batch]).update(
                    done_at=timezone.now(), claimed_until=None
                )
        except Exception:
            logger.exception(
                "Outbox batch of %s %s events failed; handling them one by one", len(batch), topic
            )
            for event in batch:
                handle(event)


def handle(event: OutboxEvent) -> bool:
    """Run the event's handler and mark it done; on failure schedule a retry. True when it succeeded."""
    registration = handlers()[event.topic]  # only topics with a handler are ever claimed
    try:
        if registration.batch:
            with transaction.atomic():
                registration.func([event.payload], [event.pk])
                _mark_done(event)
        elif registration.atomic:
            with transaction.atomic():
                registration.func(event.payload, event.pk)
                _mark_done(event)
        else:
            registration.func(event.payload, event.pk)
            _mark_done(event)
    except Exception as exc:
        logger.exception("Outbox handler for %s #%s failed", event.topic, event.pk)
        _mark_failed(event, exc)
        return False
    return True


def _mark_done(event: OutboxEvent) -> None:
    OutboxEvent.objects.filter(pk=event.pk).update(done_at=timezone.now(), claimed_until=None)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** (attempts - 1), 300))


def _mark_failed(event: OutboxEvent, exc: Exception) -> None:
    error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    now = timezone.now()
    if event.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        OutboxEvent.objects.filter(pk=event.pk).update(dead_at=now, claimed_until=None, last_error=error)
        logger.error("Outbox event %s #%s given up after %s attempts", event.topic, event.pk, event.attempts)
        return
    OutboxEvent.objects.filter(pk=event.pk).update(
        available_at=now + backoff(event.attempts), claimed_until=None, last_error=error
    )


def drain(*, limit: int = 10_000) -> int:
    """Handle due events until none is left (tests, `manage.py worker --once`); returns how many."""
    handled = 0
    while handled < limit:
        events = claim_due()
        if not events:
            break
        handle_all(events)
        handled += len(events)
    return handled


def purge_done(*, older_than: timedelta) -> int:
    """Delete events handled longer ago than `older_than`; returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = OutboxEvent.objects.filter(done_at__lt=cutoff).delete()
    return deleted


def run(stop: threading.Event, *, poll_seconds: float) -> None:
    """The outbox loop: claim and handle due events until `stop` is set, at most one claim per
    `poll_seconds` unless the last claim was full (a backlog: go on at once)."""
    while not stop.is_set():
        started = time.monotonic()
        close_old_connections()
        try:
            events = claim_due()
            handle_all(events, stop)
        except Exception:
            # A lost database connection or a locked SQLite file: wait and try again, never die.
            logger.exception("Outbox loop error")
            events = []
        if len(events) < CLAIM_LIMIT:
            # The claim took everything due: let the next events gather for the rest of a poll interval
            # rather than claiming them one by one as they come (a claim and a transaction per event cost
            # more than most handlers; batch topics take a whole batch in one). No event waits longer than
            # for an idle worker, and work that took longer (a launch slice) is followed at once.
            stop.wait(max(0.0, poll_seconds - (time.monotonic() - started)))
    close_old_connections()
