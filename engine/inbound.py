"""What an inbound message or call does: the "message.received" and "call.received" outbox handlers.

messaging stores every inbound message (de-duplicated on the gateway's id) with routing "pending" and
publishes "message.received" in the same transaction; this module decides, in one transaction with the
event's completion (an atomic handler: a crash retries the whole decision, never half of it), in the
order of SPEC §6:

1. **An answer**: a participant of this person waits for a reply on that channel: the newest open
   outbound SMS/email message of a Message or Form message step (the text is read as a number or a
   caption, or as the form's value; an unrecognised reply gets the step's re-prompt or takes its "other"
   exit), or an Evaluate inbound reply step that takes text from that channel (the web composer too).
2. **An entry**: the Inbound Message entry points of the active flows decide (engine.core.inbound.Router:
   the seed's operator priority, exact matches above Anything, flow priority, a random choice among ties);
   the captured values become flow variables. A refused entry (re-entry, frequency cap) tries the next.
3. Otherwise the message stays **unhandled**, listed for staff.

A call ("call.received") enters the Inbound Call flows of the number called, with call id, caller and
number as flow variables.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from engine import entries
from engine.core.elements import get as element_type
from engine.core.elements.inbound_call import InboundCall
from engine.core.elements.inbound_message import InboundMessage
from engine.core.elements.message import takes_other
from engine.core.inbound import InboundText, Router, normalise_recipient
from engine.definitions import version_definition
from engine.models import Participant, Trigger
from engine.services import AnswerRefused, participant_answer, participant_resume
from engine.triggers import _index_key
from messaging.models import Message
from messaging.services import message_out_build, messages_queue
from people import outbox
from people.models import Person
from people.selectors import person_snapshots

logger = logging.getLogger(__name__)

MESSAGE_RECEIVED = "message.received"
CALL_RECEIVED = "call.received"
TEXT_CHANNELS = ("sms", "email")

_rng = random.SystemRandom()


# --- the router of the active Inbound Message / Inbound Call entry points ------------------------------


@dataclass(frozen=True)
class _Routes:
    messages: Router
    calls: list[Trigger]
    triggers: dict[int, Trigger]


class _RouterCache:
    """The routers, built once per change of the trigger index (the same stamp engine/triggers.py reads),
    not per message: building indexes thousands of conditions, deciding then costs microseconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._routes: _Routes | None = None

    def routes(self) -> _Routes:
        key = _index_key(set())
        with self._lock:
            if key == self._key and self._routes is not None:
                return self._routes
        triggers = list(
            Trigger.objects.filter(kind__in=[Trigger.Kind.INBOUND, Trigger.Kind.CALL])
            .select_related("version", "flow")
            .order_by("id")
        )
        route_entries = [
            InboundMessage.route_entry(t.pk, t.config, priority=t.priority)
            for t in triggers
            if t.kind == Trigger.Kind.INBOUND
        ]
        routes = _Routes(
            messages=Router(route_entries),
            calls=[t for t in triggers if t.kind == Trigger.Kind.CALL],
            triggers={t.pk: t for t in triggers},
        )
        with self._lock:
            self._key, self._routes = key, routes
        return routes


_routers = _RouterCache()


# --- messages --------------------------------------------------------------------------------------------


def _inbound_text(message: Message) -> InboundText:
    return InboundText(
        channel=message.channel,
        body=message.text,
        sender=message.address,
        recipient=message.identity,
        message_id=str(message.pk),
        gateway_id=message.gateway_id,
    )


@transaction.atomic
def route_message(
    message_id: int, *, now: datetime | None = None, routes: _Routes | None = None, tried: set = frozenset()
) -> str:
    """Route one stored inbound message (idempotent: a message routed before is left as it is). Returns
    the routing outcome (messaging.models.Message.Routing). `routes`: the routers, when the caller routes
    a batch (asked once for all of it); `tried`: entry points (trigger ids) that refused the person
    already."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.routing != Message.Routing.PENDING:
        return message.routing if message else ""
    now = now or timezone.now()
    person = Person.objects.filter(pk=message.person_id).first() if message.person_id else None
    outcome, participant_id = Message.Routing.UNHANDLED, None
    if person is not None:
        answered = _answer(message, person)
        if answered is not None:
            outcome, participant_id = Message.Routing.ANSWER, answered
        else:
            entered = _enter(message, person, now=now, routes=routes or _routers.routes(), tried=tried)
            if entered is not None:
                outcome, participant_id = Message.Routing.ENTRY, entered
    message.routing = outcome
    message.participant_id = participant_id or message.participant_id
    message.save(update_fields=["routing", "participant"])
    return outcome


def _answer(message: Message, person: Person) -> int | None:
    """Answer the step waiting for this person's reply on the message's channel; the participant id, or
    None when no step waits for it."""
    # One query tells most messages (a keyword from someone in no conversation) that nothing waits.
    waiting = list(
        Participant.objects.filter(person=person, status=Participant.Status.WAITING, wait_kind="reply")
        .select_related("version")
        .order_by("-updated_at", "-id")[:20]
    )
    if not waiting:
        return None
    step_message = _waiting_message(message, waiting) if message.channel in TEXT_CHANNELS else None
    evaluating = _waiting_evaluation(message, waiting)
    # Both wait: the step that started waiting last is the one the person is answering.
    if step_message is not None and (evaluating is None or step_message.created_at >= evaluating.updated_at):
        return _answer_message(step_message, message, person)
    if evaluating is not None:
        reply = {
            "node_id": evaluating.current_node,
            "text": message.text,
            "inbound": _inbound_text(message).__dict__,
        }
        if participant_resume(evaluating.pk, reply=reply):
            return evaluating.pk
    return None


def _waiting_message(message: Message, waiting: list[Participant]) -> Message | None:
    """The newest open outbound message on this channel of a step one of `waiting` still waits on."""
    at = {p.pk: p.current_node for p in waiting}
    candidates = (
        Message.objects.filter(
            participant_id__in=list(at),
            direction=Message.Direction.OUT,
            channel=message.channel,
            answered_at__isnull=True,
        )
        .exclude(status__in=[Message.Status.EXPIRED, Message.Status.FAILED])
        .select_related("participant__version")
        .order_by("-id")[:20]
    )
    for candidate in candidates:
        if at.get(candidate.participant_id) == candidate.node_id:
            return candidate
    return None


def _waiting_evaluation(message: Message, waiting: list[Participant]) -> Participant | None:
    """The newest of `waiting` at an Evaluate inbound reply step that takes text from this channel."""
    for participant in waiting:
        node = version_definition(participant.version).nodes.get(participant.current_node)
        if node is None:
            continue
        kind = element_type(node.type)
        if getattr(kind, "accepts_text", False) and kind.accepts_channel(node.config, message.channel):
            return participant
    return None


def _answer_message(waiting: Message, message: Message, person: Person) -> int:
    """A text reply to an SMS/email step: as a button, a dismiss or a form value; otherwise the step's
    re-prompt (or its "other" exit)."""
    from engine.core import text_replies

    message.reply_to = waiting
    message.save(update_fields=["reply_to"])
    form = waiting.form
    read = text_replies.interpret(
        message.text,
        waiting.buttons,
        allow_dismiss=waiting.option_values["allow_dismiss"],
        dismiss_caption=waiting.option_values["dismiss_caption"],
        form=form,
    )
    if isinstance(read, text_replies.Reply):
        try:
            with transaction.atomic():
                participant_answer(
                    message_id=waiting.pk,
                    button_id=None if (read.dismiss or read.form is not None) else read.button_id,
                    dismiss=read.dismiss,
                    form=read.form,
                    person=person,
                )
            return waiting.participant_id
        except AnswerRefused as exc:
            reason = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    else:
        reason = read.reason
    node = version_definition(waiting.participant.version).nodes.get(waiting.node_id)
    if node is not None and takes_other(node.config):
        reply = {"node_id": waiting.node_id, "other": True, "text": message.text}
        if participant_resume(waiting.participant_id, reply=reply):
            waiting.answered_at = timezone.now()
            return waiting.participant_id
    _reprompt(waiting, reason)
    return waiting.participant_id


def _reprompt(waiting: Message, reason: str) -> None:
    """Send the step's re-prompt (the reason and the options again) on the same channel, from the same
    number or address; the step keeps waiting for the original message's answer."""
    from engine.core import text_replies

    numbered = text_replies.numbered_text(
        waiting.text,
        waiting.buttons,
        allow_dismiss=waiting.option_values["allow_dismiss"],
        dismiss_caption=waiting.option_values["dismiss_caption"],
        form=waiting.form,
    )
    text = text_replies.reprompt_text(waiting.options.get("reprompt", ""), reason, numbered)
    messages_queue(
        [
            message_out_build(
                person_id=waiting.person_id,
                participant=None,
                node_id="",
                text=text,
                buttons=[],
                options={"reprompt_of": waiting.pk},
                channel=waiting.channel,
                transport_id=waiting.transport_id,
                address=waiting.address,
                identity=waiting.identity,
            )
        ]
    )


def _enter(message: Message, person: Person, *, now: datetime, routes: _Routes, tried: set) -> int | None:
    """Enter the flow whose Inbound Message entry point the message fires; the participant id, or None."""
    inbound = _inbound_text(message)
    snapshot = _LazySnapshot(person.pk)
    tried = set(tried)
    while True:
        decision = routes.messages.decide(inbound, snapshot, rng=_rng, exclude=tried)
        if decision is None:
            return None
        tried.add(decision.key)
        trigger = routes.triggers[decision.key]
        declared = version_definition(trigger.version).variables
        entry = entries.enter(
            version=trigger.version,
            person=person,
            entry_id=trigger.node_id,
            source=f"inbound message {message.pk}",
            variables=InboundMessage.start_variables(trigger.config, inbound, declared),
            now=now,
        )
        if entry.participant is not None:
            return entry.participant.pk


class _LazySnapshot(dict):
    """A person's attributes, read only when a condition asks (equals_attribute): most messages never do."""

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self._person_id = person_id
        self._loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.update(person_snapshots([self._person_id]).get(self._person_id, {}))

    def __getitem__(self, key):
        self._load()
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._load()
        return super().get(key, default)

    def __contains__(self, key) -> bool:
        self._load()
        return super().__contains__(key)


# --- calls -----------------------------------------------------------------------------------------------


@transaction.atomic
def route_call(message_id: int, *, now: datetime | None = None, routes: _Routes | None = None) -> str:
    """Enter the caller into the Inbound Call flows of the number called (each flow at most once per
    call). The call's stored message is marked "entry" or "unhandled"."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None or message.routing != Message.Routing.PENDING:
        return message.routing if message else ""
    now = now or timezone.now()
    person = Person.objects.filter(pk=message.person_id).first() if message.person_id else None
    entered: int | None = None
    if person is not None:
        called = normalise_recipient(message.identity)
        # Highest flow priority first (5 is the highest), so it wins a person the frequency cap limits.
        for trigger in sorted((routes or _routers.routes()).calls, key=lambda t: (-t.priority, t.pk)):
            recipient = normalise_recipient(trigger.config.get("recipient", ""))
            if recipient and recipient != called:
                continue
            variables = InboundCall.start_variables(
                trigger.config,
                call_id=message.gateway_id,
                from_=message.address,
                to=message.identity,
                declared=version_definition(trigger.version).variables,
            )
            entry = entries.enter(
                version=trigger.version,
                person=person,
                entry_id=trigger.node_id,
                source=f"inbound call {message.gateway_id}",
                variables=variables,
                now=now,
            )
            if entry.participant is not None and entered is None:
                entered = entry.participant.pk
    message.routing = Message.Routing.ENTRY if entered else Message.Routing.UNHANDLED
    message.participant_id = entered
    message.save(update_fields=["routing", "participant"])
    return message.routing


# --- handlers --------------------------------------------------------------------------------------------


def _route_all(route, topic: str, payload: dict) -> None:
    """Route every message of an event, each under a savepoint: one that fails (a bug, a bad flow) is
    handed to an event of its own, retried and given up alone, and the others are not held back."""
    ids = payload["ids"] if "ids" in payload else [payload["id"]]
    routes = _routers.routes()
    tried: dict[int, set] = {}
    if route is route_message and len(ids) > 1:
        try:
            with transaction.atomic():
                tried = _route_batch(ids, routes=routes)
                ids = list(tried)
        except Exception:
            logger.exception(
                "Routing a batch of %s inbound messages failed; routing them one by one", len(ids)
            )
    for message_id in ids:
        extra = {"tried": tried[message_id]} if tried.get(message_id) else {}
        try:
            with transaction.atomic():
                route(message_id, routes=routes, **extra)
        except Exception:
            if len(ids) == 1:
                raise
            logger.exception("Routing inbound message %s failed; it is retried on its own", message_id)
            outbox.publish(topic, {"ids": [message_id]})


def _route_batch(ids: list[int], *, routes: _Routes, now: datetime | None = None) -> dict[int, set]:
    """Route a gateway's batch together where that is the same as one by one: messages of persons with
    no step waiting for a reply and only one message in the batch are decided by the router, and the
    people of each flow entered with one `entries.enter_many`; the rest (answers, a second message of a
    person, a refused entry that may try the next flow) are returned for `route_message`, one by one, each
    with the entry points already tried."""
    now = now or timezone.now()
    messages = list(
        Message.objects.select_for_update().filter(pk__in=ids, routing=Message.Routing.PENDING).order_by("id")
    )
    per_person = Counter(m.person_id for m in messages)
    waiting = set(
        Participant.objects.filter(
            person_id__in=[p for p in per_person if p is not None],
            status=Participant.Status.WAITING,
            wait_kind="reply",
        ).values_list("person_id", flat=True)
    )
    one_by_one: dict[int, set] = {}
    unhandled: list[Message] = []
    groups: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        if message.person_id is None:
            unhandled.append(message)
        elif message.person_id in waiting or per_person[message.person_id] > 1:
            one_by_one[message.pk] = set()
        else:
            decision = routes.messages.decide(
                _inbound_text(message), _LazySnapshot(message.person_id), rng=_rng
            )
            if decision is None:
                unhandled.append(message)
            else:
                groups[decision.key].append(message)
    entered: list[Message] = []
    for key, group in groups.items():
        trigger = routes.triggers[key]
        declared = version_definition(trigger.version).variables
        by_person = {m.person_id: m for m in group}
        participants, _refused = entries.enter_many(
            version=trigger.version,
            entry_id=trigger.node_id,
            persons=list(by_person),
            source="inbound message",
            variables={
                m.person_id: InboundMessage.start_variables(trigger.config, _inbound_text(m), declared)
                for m in group
            },
            now=now,
        )
        for participant in participants:
            message = by_person.pop(participant.person_id)
            message.routing, message.participant_id = Message.Routing.ENTRY, participant.pk
            entered.append(message)
        # Refused here: another flow's entry point may still take them (route_message tries the next).
        one_by_one.update((m.pk, {key}) for m in by_person.values())
    for message in unhandled:
        message.routing = Message.Routing.UNHANDLED
    Message.objects.bulk_update(entered + unhandled, ["routing", "participant"])
    return one_by_one


@outbox.handler(MESSAGE_RECEIVED, atomic=True, inline=True)
def on_message_received(payload: dict, event_id: int) -> None:
    _route_all(route_message, MESSAGE_RECEIVED, payload)


@outbox.handler(CALL_RECEIVED, atomic=True, inline=True)
def on_call_received(payload: dict, event_id: int) -> None:
    _route_all(route_call, CALL_RECEIVED, payload)
