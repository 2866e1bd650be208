"""Participant timers: claim the participants whose `wake_at` is due and wake each exactly once.

A claim is one transaction over a batch of due participants: FOR UPDATE SKIP LOCKED on PostgreSQL, so
any number of timer workers share the due rows without waiting on each other; on SQLite the IMMEDIATE
transaction makes one claimer at a time. A participant answered or resumed meanwhile holds its row lock
or no longer has that `wake_at`, so it is never woken twice.
"""

from __future__ import annotations

import copy
import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from engine import effects, triggers
from engine.assets import run_kwargs
from engine.core import runtime
from engine.counting import Tally
from engine.definitions import version_definition
from engine.models import Participant
from flowdesigner.models import Flow, FlowVersion
from people.selectors import person_snapshots

logger = logging.getLogger(__name__)


def timers_fire(*, limit: int | None = None) -> int:
    """Wake up to `limit` due participants (earliest first) in one transaction; returns how many.

    If the batch fails unexpectedly, its participants are woken one per transaction instead, and one
    that still fails is marked failed with the reason: one bad participant never holds up the others."""
    limit = limit or settings.TIMER_BATCH_SIZE
    try:
        return _fire(limit)
    except Exception:
        logger.exception("A timer batch failed; waking its participants one by one")
    fired = 0
    for pk in list(_due(timezone.now()).values_list("pk", flat=True)[:limit]):
        try:
            fired += _fire(1, pk=pk)
        except Exception as exc:
            logger.exception("Participant %s could not be woken", pk)
            _fail(pk, exc)
            fired += 1
    return fired


def _fail(pk: int, exc: Exception) -> None:
    """Mark a participant that cannot be woken failed, with the reason in its history."""
    with transaction.atomic():
        participant = Participant.objects.select_for_update(of=("self",)).select_related("version").get(pk=pk)
        old_state = copy.deepcopy(participant.state)
        state = participant.state
        state.update(status="failed", wait=None)
        if state.get("history"):
            state["history"][-1]["note"] = f"Failed: {type(exc).__name__}: {exc}"[:300]
        participant.status = Participant.Status.FAILED
        participant.wake_at, participant.wait_kind, participant.wait_event = None, "", ""
        participant.completed_at = timezone.now()
        participant.save(update_fields=effects.PARTICIPANT_FIELDS)
        tally = Tally()
        now = participant.completed_at
        tally.moved(participant, old_state=old_state, new_state=state, widgets={}, now=now)
        tally.publish()


def _due(now):
    """Waiting participants whose timer is due, earliest first."""
    return Participant.objects.filter(wake_at__lte=now, status=Participant.Status.WAITING).order_by("wake_at")


def _fire(limit: int, *, pk: int | None = None) -> int:
    now = timezone.now()
    with transaction.atomic():
        due = _due(now)
        if pk is not None:
            due = due.filter(pk=pk)
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True, of=("self",))
        # Versions (and their flows) are read once per batch, not joined to every row: a join would
        # decode each version's definition and each flow's draft once per participant.
        participants = list(due.select_related("person", "launch")[:limit])
        if not participants:
            return 0
        versions = FlowVersion.objects.in_bulk({p.version_id for p in participants})
        flows = Flow.objects.defer("draft_definition").in_bulk({v.flow_id for v in versions.values()})
        for version in versions.values():
            version.flow = flows[version.flow_id]
        snapshots = person_snapshots([p.person_id for p in participants])
        advance = effects.Advance()
        for participant in participants:
            participant.version = versions[participant.version_id]
            _wake(participant, snapshots[participant.person_id], now=now, advance=advance)
        effects.participants_save(participants, now=timezone.now())
        advance.persist()
    return len(participants)


def _wake(participant: Participant, snapshot: dict, *, now, advance: effects.Advance) -> None:
    """Wake one claimed participant into `advance` (inside the batch's transaction)."""
    old_len = len(participant.state.get("history", []))
    try:
        result = runtime.wake(
            version_definition(participant.version),
            participant.state,
            now=now,
            **run_kwargs(participant, snapshot, now),
        )
    except runtime.StaleReply as exc:
        # The row's timer disagrees with its state (written behind the engine's back): the state is the
        # truth, so the columns are set from it again rather than dropped.
        logger.warning("Participant %s had a stale timer: %s", participant.pk, exc)
        for name, value in effects.wait_fields(participant.state).items():
            setattr(participant, name, value)
        if participant.wake_at is not None and participant.wake_at <= now:
            participant.wake_at = None  # never due by its own state: do not spin on it
        return
    if participant.wait_kind == "reply":
        # A reply timeout: the message waited on can no longer be answered.
        advance.expired.append((participant.pk, participant.current_node))
    advance.take(participant, result, old_history_len=old_len)


def run(stop: threading.Event, *, poll_seconds: float) -> None:
    """The timer loop: fire due timers and sweep time triggers until `stop` is set; idle, poll every
    `poll_seconds`."""
    while not stop.is_set():
        close_old_connections()
        try:
            fired = timers_fire()
            fired += triggers.triggers_sweep()
        except Exception:
            logger.exception("Timer loop error")
            fired = 0
        if not fired:
            stop.wait(poll_seconds)
    close_old_connections()
