"""What the engine does with the events the core produces: one handler per event type, looked up by type.

`Advance` collects the rows of one or many advances (a launch batch, a timer batch, one answer) and
writes them in bulk; handlers add to it. A new runtime event type is a dataclass in
engine/core/elements/__init__.py plus one `@effect(EventType)` function here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from engine.channels import routes_apply
from engine.core import runtime
from engine.counting import Tally, form_widgets
from engine.definitions import version_definition
from engine.models import CallbackDelivery, Participant, ParticipantStep, ResultsEmail
from engine.results import results_payload, results_text
from flowdesigner.roles import MARKETER
from messaging.models import Message
from messaging.services import message_out_build, messages_expire, messages_queue
from people import bulk, outbox

logger = logging.getLogger(__name__)

CALLBACK_DELIVER = "callback.deliver"
RESULTS_EMAIL_SEND = "results_email.send"
CALL_URL_REQUEST = "call_url.request"
FLOW_ADD = "flow.add"

EffectHandler = Callable[["Advance", Participant, Any], None]
_EFFECTS: dict[type, EffectHandler] = {}


def effect(event_type: type) -> Callable[[EffectHandler], EffectHandler]:
    """Register the one handler of a core event type."""

    def register(func: EffectHandler) -> EffectHandler:
        if event_type in _EFFECTS:
            raise ValueError(f"{event_type.__name__} already has an effect handler")
        _EFFECTS[event_type] = func
        return func

    return register


def wait_fields(state: dict) -> dict:
    """The participant's indexed wait columns from its state["wait"]."""
    wait = state.get("wait") or {}
    wake_at = wait.get("wake_at")
    return {
        "wait_kind": wait.get("kind") or "",
        "wake_at": datetime.fromisoformat(wake_at) if wake_at else None,
        "wait_event": wait.get("event") or "",
    }


def delivery_body(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def flow_admin_emails() -> list[str]:
    """Who "email the flow's admins" reaches: active users in the marketer group with an email address
    (the people who design flows), sorted and without duplicates."""
    users = get_user_model().objects.filter(groups__name=MARKETER, is_active=True).exclude(email="")
    return sorted({email.strip().lower() for email in users.values_list("email", flat=True)})


def participants_save(participants: list[Participant], *, now: datetime) -> None:
    """Write the fields an advance changes on many stored participants (one statement, executemany)."""
    for participant in participants:
        participant.updated_at = now
    rows = [(p.pk, *(getattr(p, name) for name in PARTICIPANT_FIELDS)) for p in participants]
    bulk.update(Participant, PARTICIPANT_FIELDS, rows)


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


PARTICIPANT_FIELDS = [
    "state",
    "status",
    "current_node",
    "step_count",
    "completed_at",
    "updated_at",
    "wait_kind",
    "wake_at",
    "wait_event",
]


@dataclass
class Advance:
    """Rows produced by one or more advances, written in bulk with the outbox events that act on them."""

    messages: list[Message] = field(default_factory=list)
    # (participant, seq, node id, node type, entered_at, left_at, exit name): new history entries, as
    # tuples (a launch batch writes thousands; the participant gets its id when it is saved)
    new_steps: list[tuple] = field(default_factory=list)
    # (participant id, seq, left_at, exit name) of history entries that were open and are now left
    closed_steps: list[tuple[int, int, datetime | None, str]] = field(default_factory=list)
    deliveries: list[CallbackDelivery] = field(default_factory=list)
    emails: list[ResultsEmail] = field(default_factory=list)
    # (outbox topic, participant, payload) published at persist, when the participant has its id
    events: list[tuple[str, Participant, dict]] = field(default_factory=list)
    # Changed messages (rows, or ids) whose new state the inbox must see, e.g. the one answered.
    push: list = field(default_factory=list)
    # Inbound messages recording answers (messaging's message_reply_build), stored with the messages.
    replies: list[Message] = field(default_factory=list)
    # (participant id, node id) of message steps left without an answer: their messages close.
    expired: list[tuple[int, str]] = field(default_factory=list)
    # The reports' counter deltas of these advances (engine/counting.py), published at persist.
    tally: Tally = field(default_factory=Tally)
    _admin_emails: list[str] | None = None
    _widgets: dict[int, dict[str, str]] = field(default_factory=dict)

    def form_widgets(self, version) -> dict[str, str]:
        if version.pk not in self._widgets:
            self._widgets[version.pk] = form_widgets(version_definition(version))
        return self._widgets[version.pk]

    def admin_emails(self) -> list[str]:
        if self._admin_emails is None:
            self._admin_emails = flow_admin_emails()
        return self._admin_emails

    def take(self, participant: Participant, result: runtime.Result, *, old_history_len: int) -> None:
        """Copy a core result onto the participant (not saved) and run the effect of each event.
        (Changes to the person were made while the core ran, through engine/assets.py.)"""
        state = result.state
        self.tally.moved(
            participant,
            old_state=participant.state,
            new_state=state,
            widgets=self.form_widgets(participant.version),
            now=timezone.now(),
        )
        participant.state = state
        participant.status = state["status"]
        participant.current_node = state.get("current") or ""
        participant.step_count += 1
        for name, value in wait_fields(state).items():
            setattr(participant, name, value)

        history = state["history"]
        if old_history_len:
            last = history[old_history_len - 1]
            self.closed_steps.append(
                (participant.pk, old_history_len - 1, _parse(last["left_at"]), last.get("exit") or "")
            )
        for seq in range(old_history_len, len(history)):
            entry = history[seq]
            self.new_steps.append(
                (
                    participant,
                    seq,
                    entry["node_id"],
                    entry["type"],
                    _parse(entry["entered_at"]),
                    _parse(entry.get("left_at")),
                    entry.get("exit") or "",
                )
            )
        for event in result.events:
            _EFFECTS[type(event)](self, participant, event)

    def deliver(self, participant: Participant, kind: str, payload: dict) -> None:
        """A signed POST of `payload` to the flow's callback URL, sent by the outbox after persist()."""
        flow = participant.version.flow
        self.deliveries.append(
            CallbackDelivery(
                flow=flow,
                participant=participant,
                kind=kind,
                url=flow.callback_url,
                body=delivery_body(payload),
            )
        )

    def persist(self) -> None:
        """Write everything collected (participants are saved by the caller first)."""
        # Every outbox event of the advance (the live push, the report counters, callbacks...) in one INSERT.
        with outbox.together():
            self._persist()

    def _persist(self) -> None:
        # First: a reply timeout looping back to its own message sends a new one that stays open.
        messages_expire(self.expired)
        routes_apply(self.messages)
        messages_queue(self.messages, also_push=self.push, counts=self.tally.nodes, replies=self.replies)
        bulk.insert(
            ParticipantStep,
            ["participant", "seq", "node_id", "node_type", "entered_at", "left_at", "exit_name"],
            [(participant.pk, *rest) for participant, *rest in self.new_steps],
        )
        bulk.update(ParticipantStep, ["left_at", "exit_name"], self.closed_steps, keys=["participant", "seq"])
        CallbackDelivery.objects.bulk_create(self.deliveries)
        ResultsEmail.objects.bulk_create(self.emails)
        for delivery in self.deliveries:
            outbox.publish(CALLBACK_DELIVER, {"delivery_id": delivery.pk})
        for email in self.emails:
            outbox.publish(RESULTS_EMAIL_SEND, {"email_id": email.pk})
        for topic, participant, payload in self.events:
            outbox.publish(topic, {**payload, "participant_id": participant.pk})
        self.tally.publish()


# --- the effects -----------------------------------------------------------------------------------------


@effect(runtime.SendMessage)
def _send_message(advance: Advance, participant: Participant, event: runtime.SendMessage) -> None:
    advance.messages.append(
        message_out_build(
            person_id=participant.person_id,
            participant=participant,
            node_id=event.node_id,
            text=event.text,
            buttons=list(event.buttons),
            # What the step asked for; persist() settles it for the whole advance (engine/channels.py).
            channel=event.channel,
            options={
                "allow_dismiss": event.allow_dismiss,
                "dismiss_caption": event.dismiss_caption,
                "branding": event.branding,
                "alert": dict(event.alert),
                "auto_lock": event.auto_lock,
                "attachments": list(event.attachments),
                **({"form": event.form} if event.form is not None else {}),
                # What an unrecognised SMS/email reply gets back (engine/inbound.py); "" = the default.
                **({"reprompt": event.reprompt} if event.reprompt else {}),
            },
        )
    )


@effect(runtime.FlushResults)
def _flush(advance: Advance, participant: Participant, event: runtime.FlushResults) -> None:
    if participant.version.flow.callback_url:
        payload = results_payload(participant, kind="flush", node_id=event.node_id)
        advance.deliver(participant, CallbackDelivery.Kind.FLUSH, payload)


@effect(runtime.EmailResults)
def _email(advance: Advance, participant: Participant, event: runtime.EmailResults) -> None:
    recipients = list(dict.fromkeys(event.emails + (advance.admin_emails() if event.email_admins else [])))
    subject, body = results_text(results_payload(participant, kind="flush", node_id=event.node_id))
    advance.emails.append(
        ResultsEmail(
            flow=participant.version.flow,
            participant=participant,
            node_id=event.node_id,
            recipients=recipients,
            subject=subject,
            body=body,
        )
    )


@effect(runtime.Completed)
def _completed(advance: Advance, participant: Participant, event: runtime.Completed) -> None:
    participant.completed_at = timezone.now()
    if participant.version.flow.callback_url:
        payload = results_payload(
            participant,
            kind="end",
            node_id=event.node_id,
            exit_name=event.exit_name,
            wait_for_follow_up=event.wait_for_follow_up,
        )
        advance.deliver(participant, CallbackDelivery.Kind.END, payload)


@effect(runtime.Failed)
def _failed(advance: Advance, participant: Participant, event: runtime.Failed) -> None:
    participant.completed_at = timezone.now()
    logger.info("Participant %s failed at %s: %s", participant.pk, event.node_id, event.reason)


@effect(runtime.CallUrl)
def _call_url(advance: Advance, participant: Participant, event: runtime.CallUrl) -> None:
    advance.events.append(
        (
            CALL_URL_REQUEST,
            participant,
            {
                "node_id": event.node_id,
                # The advance this call belongs to: a stale outcome (the participant moved on) is dropped.
                "step_count": participant.step_count,
                "method": event.method,
                "url": event.url,
                "headers": event.headers,
                "body": event.body,
                "timeout_seconds": event.timeout_seconds,
                "retries": event.retries,
                "attempt": 1,
            },
        )
    )


@effect(runtime.AddToFlow)
def _add_to_flow(advance: Advance, participant: Participant, event: runtime.AddToFlow) -> None:
    advance.events.append(
        (
            FLOW_ADD,
            participant,
            {
                "person_id": participant.person_id,
                "from_flow": participant.version.flow_id,
                "flow_id": event.flow_id,
                "entry_id": event.entry_id,
                "variables": event.variables,
            },
        )
    )
