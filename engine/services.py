"""Engine services: the Django side around the pure core in engine/core.

They load participant state, call `runtime.start/resume` inside a transaction, persist the new
state, step history and messages, and hand side effects (live pushes, result callbacks) to
`transaction.on_commit`, so nothing is sent for a change that was rolled back.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from engine.core import definition, runtime
from engine.core.definition import FlowDefinition
from engine.models import CallbackDelivery, Launch, Participant, ParticipantStep
from engine.results import results_payload
from flowdesigner.models import Flow, FlowVersion
from messaging.models import Message
from messaging.services import messages_dispatch
from people.models import Person


class AnswerRefused(Exception):
    """An answer that cannot count: already answered, stale, or not one of the buttons."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class LaunchRefused(ValueError):
    """A launch request that cannot be carried out (no published version, empty audience...)."""


def version_definition(version: FlowVersion) -> FlowDefinition:
    return definition.load(version.definition)


def entry_node_id(defn: FlowDefinition) -> str:
    """The Predefined Audience entry a launch enters people through."""
    for node in defn.entries():
        if node.type == "predefined_audience":
            return node.id
    raise LaunchRefused("This flow has no Predefined Audience entry point to launch through.")


def person_context(person: Person) -> dict:
    return {
        "id": person.pk,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "phone": person.phone,
        "language": person.language,
    }


# --- applying the core's results -----------------------------------------------------------------


@dataclass
class _Effects:
    """Rows produced by one or more advances, written in bulk, then dispatched after commit."""

    messages: list[Message] = field(default_factory=list)
    new_steps: list[ParticipantStep] = field(default_factory=list)
    # (participant id, seq, left_at, exit name) of history entries that were open and are now left
    closed_steps: list[tuple[int, int, datetime | None, str]] = field(default_factory=list)
    deliveries: list[CallbackDelivery] = field(default_factory=list)

    def persist(self) -> None:
        Message.objects.bulk_create(self.messages)
        ParticipantStep.objects.bulk_create(self.new_steps)
        for participant_id, seq, left_at, exit_name in self.closed_steps:
            ParticipantStep.objects.filter(participant_id=participant_id, seq=seq).update(
                left_at=left_at, exit_name=exit_name
            )
        CallbackDelivery.objects.bulk_create(self.deliveries)
        message_ids = [m.pk for m in self.messages]
        delivery_ids = [d.pk for d in self.deliveries]
        if message_ids:
            transaction.on_commit(lambda: messages_dispatch(message_ids))
        for delivery_id in delivery_ids:
            transaction.on_commit(lambda d=delivery_id: async_task("engine.tasks.callback_deliver", d))


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts) if ts else None


def _apply(
    participant: Participant, result: runtime.Result, *, old_history_len: int, effects: _Effects
) -> None:
    """Copy a core result onto the participant (not saved) and collect the rows it implies."""
    state = result.state
    participant.state = state
    participant.status = state["status"]
    participant.current_node = state.get("current") or ""
    participant.step_count += 1

    history = state["history"]
    if old_history_len:
        last = history[old_history_len - 1]
        effects.closed_steps.append(
            (participant.pk, old_history_len - 1, _parse(last["left_at"]), last.get("exit") or "")
        )
    for seq in range(old_history_len, len(history)):
        entry = history[seq]
        effects.new_steps.append(
            ParticipantStep(
                participant=participant,
                seq=seq,
                node_id=entry["node_id"],
                node_type=entry["type"],
                entered_at=_parse(entry["entered_at"]),
                left_at=_parse(entry.get("left_at")),
                exit_name=entry.get("exit") or "",
            )
        )

    now = timezone.now()
    for event in result.events:
        if isinstance(event, runtime.SendMessage):
            effects.messages.append(
                Message(
                    person=participant.person,
                    participant=participant,
                    node_id=event.node_id,
                    direction=Message.Direction.OUT,
                    channel="web",
                    status=Message.Status.QUEUED,
                    text=event.text,
                    buttons=list(event.buttons),
                )
            )
        elif isinstance(event, runtime.Completed):
            participant.completed_at = now
            flow = participant.version.flow
            if flow.callback_url:
                payload = results_payload(participant, end_id=event.node_id, exit_name=event.exit_name)
                effects.deliveries.append(
                    CallbackDelivery(
                        flow=flow,
                        participant=participant,
                        kind="end",
                        url=flow.callback_url,
                        body=json.dumps(payload, separators=(",", ":"), sort_keys=True),
                    )
                )
        elif isinstance(event, runtime.Failed):
            participant.completed_at = now


_PARTICIPANT_FIELDS = ["state", "status", "current_node", "step_count", "completed_at", "updated_at"]


# --- launching -----------------------------------------------------------------------------------


def audience_persons(audience: dict) -> QuerySet[Person]:
    """Persons in a launch audience: everyone, or anyone with one of the tags or hand-picked."""
    if audience.get("everyone"):
        return Person.objects.all()
    tag_members = Person.tags.through.objects.filter(tag_id__in=audience.get("tags") or []).values(
        "person_id"
    )
    return Person.objects.filter(Q(pk__in=tag_members) | Q(pk__in=audience.get("persons") or []))


@transaction.atomic
def launch_create(*, version: FlowVersion, audience: dict | None, launch_tag: str = "", user=None) -> Launch:
    """Queue a launch of a published version. Without an explicit audience, the version's
    Predefined Audience (its tags and persons) is used."""
    defn = version_definition(version)
    entry = defn.node(entry_node_id(defn))
    if audience is None:
        audience = {
            "tags": list(entry.config.get("tags", [])),
            "persons": list(entry.config.get("persons", [])),
        }
    total = audience_persons(audience).count()
    if total == 0:
        raise LaunchRefused("Nobody is in this audience, so there is no one to launch the flow to.")
    launch = Launch.objects.create(
        version=version, audience=audience, launch_tag=launch_tag, total=total, created_by=user
    )
    Flow.objects.filter(pk=version.flow_id, status=Flow.Status.DRAFT).update(status=Flow.Status.ACTIVE)
    transaction.on_commit(lambda: async_task("engine.tasks.launch_run", launch.pk))
    return launch


def launch_run(launch_id: int) -> Launch:
    """Enter the launch's audience in batches. Safe to run again after a crash or a retry: each
    batch commits together with the cursor, and (launch, person) is unique, so nobody is entered
    or messaged twice."""
    launch = Launch.objects.select_related("version__flow").get(pk=launch_id)
    if launch.status == Launch.Status.DONE:
        return launch
    Launch.objects.filter(pk=launch_id).update(status=Launch.Status.RUNNING)
    version = launch.version
    defn = version_definition(version)
    entry_id = entry_node_id(defn)
    batch_size = settings.LAUNCH_BATCH_SIZE
    pause = settings.LAUNCH_BATCH_PAUSE_SECONDS
    while True:
        with transaction.atomic():
            launch = Launch.objects.select_for_update().get(pk=launch_id)
            ids = list(
                audience_persons(launch.audience)
                .filter(pk__gt=launch.cursor)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                launch.status = Launch.Status.DONE
                launch.finished_at = timezone.now()
                launch.save(update_fields=["status", "finished_at"])
                return launch
            started = _participants_start(
                launch=launch, version=version, defn=defn, entry_id=entry_id, person_ids=ids
            )
            Launch.objects.filter(pk=launch_id).update(cursor=ids[-1], entered=F("entered") + started)
        if pause:
            time.sleep(pause)


def _participants_start(
    *, launch: Launch, version: FlowVersion, defn: FlowDefinition, entry_id: str, person_ids: list[int]
) -> int:
    """Enter a batch of persons: run the core for each, then write everything in bulk.

    The caller holds the launch row lock and advances the cursor in the same transaction, so a
    batch is normally never entered twice; persons already in this launch are still skipped, and
    the (launch, person) unique constraint is the last safety net.
    """
    already = Participant.objects.filter(launch=launch, person_id__in=person_ids).values("person_id")
    persons = Person.objects.filter(pk__in=person_ids).exclude(pk__in=already).order_by("pk")
    participants = [Participant(launch=launch, version=version, person=person) for person in persons]
    effects = _Effects()
    now = timezone.now()
    for participant in participants:
        result = runtime.start(defn, entry_id=entry_id, person=person_context(participant.person), now=now)
        _apply(participant, result, old_history_len=0, effects=effects)
    Participant.objects.bulk_create(participants)
    effects.persist()
    return len(participants)


# --- answering -----------------------------------------------------------------------------------


@transaction.atomic
def participant_answer(*, message_id: int, button_id: str, person: Person) -> Message:
    """Count a button answer on one of `person`'s messages and advance the participant.

    One transaction under row locks (message, then participant): of two answers arriving at the
    same moment exactly one advances the participant; the other is refused as already answered.
    """
    try:
        message = Message.objects.select_for_update().get(
            pk=message_id, person=person, direction=Message.Direction.OUT
        )
    except Message.DoesNotExist:
        raise AnswerRefused("There is no such message in your inbox.", code="not_found") from None
    if message.answered_at is not None:
        raise AnswerRefused("This message was already answered.", code="answered")
    if message.participant_id is None:
        raise AnswerRefused("This message does not expect an answer.", code="stale")
    participant = (
        Participant.objects.select_for_update()
        .select_related("person", "version__flow")
        .get(pk=message.participant_id)
    )
    if participant.status != Participant.Status.WAITING or participant.current_node != message.node_id:
        raise AnswerRefused(
            "This step of the flow is over; the message can no longer be answered.", code="stale"
        )

    now = timezone.now()
    old_len = len(participant.state.get("history", []))
    try:
        result = runtime.resume(
            version_definition(participant.version),
            participant.state,
            reply={"node_id": message.node_id, "button_id": button_id},
            now=now,
        )
    except runtime.InvalidReply:
        raise AnswerRefused("That is not one of this message's buttons.", code="invalid") from None
    except runtime.StaleReply:
        raise AnswerRefused(
            "This step of the flow is over; the message can no longer be answered.", code="stale"
        ) from None

    message.answered_button_id = button_id
    message.answered_at = now
    message.status = Message.Status.READ
    message.save(update_fields=["answered_button_id", "answered_at", "status"])
    Message.objects.create(
        person=person,
        participant=participant,
        node_id=message.node_id,
        direction=Message.Direction.IN,
        channel=message.channel,
        status=Message.Status.DELIVERED,
        text=message.answered_caption or button_id,
        reply_to=message,
    )

    effects = _Effects()
    _apply(participant, result, old_history_len=old_len, effects=effects)
    participant.save(update_fields=_PARTICIPANT_FIELDS)
    effects.persist()
    transaction.on_commit(lambda: messages_dispatch([message.pk]))
    return message
