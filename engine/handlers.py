"""Outbox handlers of the engine (registered in EngineConfig.ready): launches, callbacks, results emails,
Call URL requests, and events that participants wait for."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engine import callbacks, effects, entries, safe_http, services, triggers
from engine.models import Participant
from people import changes, outbox

logger = logging.getLogger(__name__)
# Longest response body a Call URL keeps (JSON paths are read from it).
CALL_MAX_RESPONSE = 1_000_000


@outbox.handler(services.LAUNCH_RUN, atomic=False, lease_seconds=15)
def on_launch_run(payload: dict, event_id: int) -> None:
    services.launch_run(payload["launch_id"])


@outbox.handler(effects.CALLBACK_DELIVER, atomic=False, lease_seconds=callbacks.claim_seconds() + 10)
def on_callback_deliver(payload: dict, event_id: int) -> None:
    callbacks.callback_deliver(payload["delivery_id"])


@outbox.handler(effects.RESULTS_EMAIL_SEND, atomic=False)
def on_results_email(payload: dict, event_id: int) -> None:
    services.results_email_send(email_id=payload["email_id"])


# --- Call URL ------------------------------------------------------------------------------------------


def call_backoff(attempt: int) -> timedelta:
    """Wait before the retry after attempt `attempt`: 2 s, 4 s, 8 s ... capped at 5 minutes."""
    return timedelta(seconds=min(2**attempt, 300))


@outbox.handler(effects.CALL_URL_REQUEST, atomic=False, lease_seconds=60)
def on_call_url(payload: dict, event_id: int) -> None:
    """Make a Call URL request behind the SSRF guard (the same parsed URL and checked address), retry
    network failures and 5xx with backoff, then resume the participant with the outcome."""
    participant_id, node_id = payload["participant_id"], payload["node_id"]
    if not _waits_for_call(participant_id, node_id, payload["step_count"]):
        return
    outcome: dict
    try:
        response = safe_http.request(
            payload["method"],
            payload["url"],
            headers=payload["headers"],
            body=payload["body"].encode() if payload.get("body") is not None else None,
            timeout=min(float(payload["timeout_seconds"]), 30.0),
            max_response_bytes=CALL_MAX_RESPONSE,
            allowed_private=settings.CALLBACK_ALLOWED_PRIVATE,
        )
        ok = 200 <= response.status < 300
        outcome = {
            "ok": ok,
            "status": response.status,
            "body": response.body[:CALL_MAX_RESPONSE].decode("utf-8", errors="replace"),
            "error": "" if ok else f"HTTP {response.status}",
        }
        retry = response.status >= 500 or response.status == 429
    except safe_http.UnsafeURL as exc:
        outcome, retry = {"ok": False, "status": None, "body": "", "error": str(exc)}, False
    except safe_http.RequestFailed as exc:
        outcome, retry = {"ok": False, "status": None, "body": "", "error": str(exc)}, True
    attempt = payload.get("attempt", 1)
    if retry and attempt <= payload.get("retries", 0):
        with transaction.atomic():
            outbox.publish(
                effects.CALL_URL_REQUEST,
                {**payload, "attempt": attempt + 1},
                available_at=timezone.now() + call_backoff(attempt),
            )
        return
    services.participant_resume(
        participant_id, reply={"node_id": node_id, "call": outcome}, step_count=payload["step_count"]
    )


def _waits_for_call(participant_id: int, node_id: str, step_count: int) -> bool:
    return Participant.objects.filter(
        pk=participant_id,
        status=Participant.Status.WAITING,
        current_node=node_id,
        wait_kind="call",
        step_count=step_count,
    ).exists()


# --- events participants wait for --------------------------------------------------------------------


@outbox.handler(changes.TOPIC)
def on_person_changed(payload: dict, event_id: int) -> None:
    """Enter the persons whose changes fire a trigger of an active flow (engine/triggers.py), and resume
    the participants waiting for an event the person just had (a Wait "until an event"). Atomic: the
    entries and resumes commit with the event's completion, so a retried event never enters anyone twice."""
    triggers.changes_match(changes.decode(payload))
    for change in payload["changes"]:
        if change.get("kind") != "event":
            continue
        waiting = Participant.objects.filter(
            person_id=change["person_id"], wait_event=change["event"], status=Participant.Status.WAITING
        ).values_list("pk", "current_node")
        event = {
            "key": change["event"],
            "properties": change.get("properties") or {},
            "occurred_at": change.get("occurred_at"),
        }
        for participant_id, node_id in waiting:
            services.participant_resume(participant_id, reply={"node_id": node_id, "event": event})


# --- Add to flow -----------------------------------------------------------------------------------------


@outbox.handler(effects.FLOW_ADD)
def on_flow_add(payload: dict, event_id: int) -> None:
    """Enter the person handed over by an "Add to flow" step into the target flow's Existing Flow entry,
    with the variables the target flow declares (a refusal, e.g. the flow is not active, goes to the
    person's timeline)."""
    entries.hand_over(
        flow_id=payload["flow_id"],
        entry_id=payload["entry_id"],
        person_id=payload["person_id"],
        variables=payload["variables"],
        from_flow=payload["from_flow"],
    )
