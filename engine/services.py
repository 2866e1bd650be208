"""Engine services: the Django side around the pure core in engine/core.

They load participant state, call `runtime.start/resume` inside a transaction, persist the new
state, step history and messages, and hand side effects (live pushes, result callbacks, calls) to
the outbox in the same transaction (engine/effects.py): nothing is sent for a change that was rolled
back, and nothing committed is lost when a process dies.
"""

import logging
import time
import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from engine import effects, entries
from engine.assets import run_kwargs
from engine.core import runtime
from engine.core.elements.predefined_audience import AUDIENCE_KEYS
from engine.definitions import LaunchRefused, entry_node_id, version_definition
from engine.live import flows_changed
from engine.models import Launch, Participant, ResultsEmail
from engine.triggers import triggers_sync
from flowdesigner.models import Flow, FlowVersion
from messaging.models import Message, Upload
from messaging.services import (
    message_answer_record,
    message_reply_build,
    message_reply_create,
    messages_push,
)
from people import outbox
from people.compiled import CompiledQuery
from people.models import Person, Segment
from people.selectors import person_snapshots, segment_persons

LAUNCH_RUN = "launch.run"
logger = logging.getLogger(__name__)

__all__ = ["LaunchRefused", "entry_node_id", "version_definition"]


class AnswerRefused(Exception):
    """An answer that cannot count: already answered, stale, or not one of the buttons."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


# --- launching -----------------------------------------------------------------------------------


def audience_persons(audience: dict, *, now: datetime | None = None) -> QuerySet[Person]:
    """Persons in a launch audience: everyone, or anyone with one of the tags, in one of the
    segments (evaluated at `now`) or companies, or hand-picked. One query, never a Python loop."""
    if audience.get("everyone"):
        return Person.objects.all()
    match = Q(pk__in=audience.get("persons") or []) | Q(company_id__in=audience.get("companies") or [])
    if audience.get("tags"):
        match |= Q(pk__in=Person.tags.through.objects.filter(tag_id__in=audience["tags"]).values("person_id"))
    for segment in Segment.objects.filter(pk__in=audience.get("segments") or []):
        match |= Q(pk__in=segment_persons(segment, now=now).values("pk"))
    return Person.objects.filter(match)


@transaction.atomic
def launch_create(
    *, version: FlowVersion, audience: dict | None, launch_tag: str = "", context: str = "", user=None
) -> Launch:
    """Queue a launch of a published version. Without an explicit audience, the version's
    Predefined Audience (its tags, segments, persons and companies) is used. `launch_tag` and
    `context` travel into every participant's results."""
    status = Flow.objects.filter(pk=version.flow_id).values_list("status", flat=True).get()
    if status in (Flow.Status.PAUSED, Flow.Status.FINISHED, Flow.Status.CANCELLED):
        raise LaunchRefused(f"This flow is {status}; activate it before launching it.")
    defn = version_definition(version)
    entry = defn.node(entry_node_id(defn))
    if audience is None:
        audience = {key: list(entry.config.get(key, [])) for key in AUDIENCE_KEYS}
    total = audience_persons(audience).count()
    if total == 0:
        raise LaunchRefused("Nobody is in this audience, so there is no one to launch the flow to.")
    launch = Launch.objects.create(
        version=version,
        audience=audience,
        launch_tag=launch_tag,
        context=context,
        total=total,
        created_by=user,
    )
    if Flow.objects.filter(pk=version.flow_id, status=Flow.Status.DRAFT).update(status=Flow.Status.ACTIVE):
        triggers_sync(version.flow)  # a real-time audience goes live with the first launch
    outbox.publish(LAUNCH_RUN, {"launch_id": launch.pk})
    flows_changed([version.flow_id], "launches")
    return launch


def launch_run(launch_id: int, *, slice_seconds: float | None = None) -> Launch:
    """Enter the launch's audience in batches, for about `slice_seconds` (then hand the rest to a new
    "launch.run" outbox event, so no claim outlives its lease). Safe to run again after a crash: each
    batch commits together with the cursor, and (launch, person) is unique, so nobody is entered or
    messaged twice."""
    launch = Launch.objects.select_related("version__flow").get(pk=launch_id)
    if launch.status == Launch.Status.DONE:
        return launch
    deadline = time.monotonic() + (
        slice_seconds if slice_seconds is not None else settings.LAUNCH_SLICE_SECONDS
    )
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
                # Segments are evaluated as of the launch, so a batch after midnight sees the same rules.
                audience_persons(launch.audience, now=launch.created_at)
                .filter(pk__gt=launch.cursor)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                launch.status = Launch.Status.DONE
                launch.finished_at = timezone.now()
                launch.save(update_fields=["status", "finished_at"])
                flows_changed([version.flow_id], "launches")
                return launch
            started, refused = _participants_start(
                launch=launch, version=version, entry_id=entry_id, person_ids=ids
            )
            Launch.objects.filter(pk=launch_id).update(
                cursor=ids[-1], entered=F("entered") + started, refused=F("refused") + refused
            )
            flows_changed([version.flow_id], "launches")
            if time.monotonic() >= deadline:
                # The rest is a new event, committed with this batch: a crash after it loses nothing.
                outbox.publish(LAUNCH_RUN, {"launch_id": launch_id})
                return launch
        if pause:
            time.sleep(pause)


def _participants_start(
    *, launch: Launch, version: FlowVersion, entry_id: str, person_ids: list[int]
) -> tuple[int, int]:
    """Enter a batch of persons: check re-entry and the frequency cap for all of them at once, run the
    core for each one let in, then write everything in bulk. Returns (entered, refused).

    The caller holds the launch row lock and advances the cursor in the same transaction, so a
    batch is normally never entered twice; persons already in this launch are still skipped, and
    the (launch, person) unique constraint is the last safety net.
    """
    already = Participant.objects.filter(launch=launch, person_id__in=person_ids).values("person_id")
    persons = list(
        Person.objects.filter(pk__in=person_ids)
        .exclude(pk__in=already)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    participants, refusals = entries.enter_many(
        version=version,
        entry_id=entry_id,
        persons=persons,
        source=f"launch {launch.pk}",
        launch=launch,
        lock=False,
    )
    return len(participants), len(refusals)


# --- resuming ------------------------------------------------------------------------------------


def _resume(participant: Participant, *, reply: dict, now: datetime) -> runtime.Result:
    """The core's resume of a locked participant with `reply` (raises the core's ReplyError)."""
    snapshot = person_snapshots([participant.person_id])[participant.person_id]
    return runtime.resume(
        version_definition(participant.version),
        participant.state,
        reply=reply,
        now=now,
        **run_kwargs(participant, snapshot, now),
    )


@transaction.atomic
def participant_resume(participant_id: int, *, reply: dict, step_count: int | None = None) -> bool:
    """Resume one participant at the node it waits at with `reply` (an event, a call's outcome), under
    its row lock. False (nothing done) when it no longer waits there, or the node does not take the
    reply: a duplicate or stale delivery. With `step_count`, only the advance that asked for it."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("person", "version__flow", "launch")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or participant.status != Participant.Status.WAITING:
        return False
    if participant.current_node != reply["node_id"]:
        return False
    if step_count is not None and participant.step_count != step_count:
        return False
    old_len = len(participant.state.get("history", []))
    try:
        result = _resume(participant, reply=reply, now=timezone.now())
    except runtime.ReplyError as exc:
        logger.info("Participant %s did not take %s: %s", participant_id, reply, exc)
        return False
    advance = effects.Advance()
    advance.take(participant, result, old_history_len=old_len)
    participant.save(update_fields=effects.PARTICIPANT_FIELDS)
    advance.persist()
    return True


# --- answering -----------------------------------------------------------------------------------


_STALE = "This step of the flow is over; the message can no longer be answered."


@transaction.atomic
def participant_answer(
    *,
    message_id: int,
    button_id: str | None,
    person: Person,
    dismiss: bool = False,
    form: dict | None = None,
) -> Message:
    """Count an answer (a button, the dismiss with `dismiss=True` and no button, or a form message's
    `form={"button": "positive" | "negative", "value": raw}`) on one of `person`'s messages and advance the
    participant.

    A form value is checked against its widget's rules (AnswerRefused "invalid" with the reason) and, when
    the form saves into a person attribute, written through people.services in this same transaction; if
    the person's data refuses it the answer is refused and nothing changes.

    One transaction under row locks (message, then participant): of two answers arriving at the same
    moment exactly one advances the participant. The other is refused as already answered when the
    message auto-locks (the default); when it does not, the later answer replaces the answer recorded
    in the results and shown in the inbox, without advancing the flow again (see answer_change).
    """
    if (form is not None) + dismiss + (button_id is not None) != 1:
        raise AnswerRefused(
            "Answer with one button, dismiss the message, or submit its form.", code="invalid"
        )
    try:
        message = Message.objects.select_for_update().get(
            pk=message_id, person=person, direction=Message.Direction.OUT
        )
    except Message.DoesNotExist:
        raise AnswerRefused("There is no such message in your inbox.", code="not_found") from None
    if message.participant_id is None:
        return _standalone_answer(message, button_id=button_id, dismiss=dismiss, form=form)
    if (form is not None) != (message.form is not None):
        detail = (
            "This message has no form; answer it with one of its buttons."
            if form is not None
            else "Answer this form with its positive or negative button."
        )
        raise AnswerRefused(detail, code="invalid")
    if message.answered_at is not None:
        # A form is final once answered: what it saved into variables and attributes stays.
        if message.option_values["auto_lock"] or form is not None:
            raise AnswerRefused("This message was already answered.", code="answered")
        return _answer_change(message, button_id=button_id, person=person)
    reply: dict = {"node_id": message.node_id, "button_id": button_id}
    if form is not None:
        reply = _form_reply(message, form, person)
    participant = _answering_participant(message, person)
    if participant.status != Participant.Status.WAITING or participant.current_node != message.node_id:
        raise AnswerRefused(_STALE, code="stale")

    now = timezone.now()
    old_len = len(participant.state.get("history", []))
    old_steps = len(participant.state.get("steps", []))
    try:
        result = _resume(participant, reply=reply, now=now)
    except runtime.InvalidReply as exc:
        detail = str(exc) if form is not None else _invalid_detail(dismiss)
        raise AnswerRefused(detail, code="invalid") from None
    except runtime.StaleReply:
        raise AnswerRefused(_STALE, code="stale") from None

    recorded = result.state["steps"][old_steps] if len(result.state.get("steps", [])) > old_steps else None
    message.participant = participant  # already loaded: the answer's delivery count needs its version
    advance = effects.Advance(push=[message])  # the answered card, pushed as it is now (no re-read)
    message_answer_record(
        message,
        button_id=reply["button_id"],
        at=now,
        step=recorded,
        result_index=old_steps if recorded is not None else None,
        counts=advance.tally.nodes,  # one counters event for the whole answer
    )
    advance.replies.append(message_reply_build(message, participant_id=participant.pk))

    advance.take(participant, result, old_history_len=old_len)
    participant.save(update_fields=effects.PARTICIPANT_FIELDS)
    advance.persist()
    return message


# Whole flow documents: the answer needs neither (the version's definition comes from the per-version cache,
# engine/definitions.py, which reads the column itself the first time), and decoding them cost more than
# the rest of an answer on a 1,000-element flow.
_DOCUMENTS = ("version__definition", "version__flow__draft_definition", "version__flow__draft_issues")


# Compiled once (people.compiled): building this query cost more than running it, on every answer.
_ANSWERING_PARTICIPANT = CompiledQuery(
    lambda participant_id: (
        # of=self: lock only the participant row (PostgreSQL cannot lock the nullable side of the
        # outer join that select_related("launch") makes).
        Participant.objects.select_for_update(of=("self",))
        .select_related("version__flow", "launch")
        .defer(*_DOCUMENTS)
        .filter(pk=participant_id)
    )
)


def _answering_participant(message: Message, person: Person) -> Participant:
    """The participant of an answered message, locked, with its version, flow and launch (the effects read
    them) but not their flow documents; its person is the answering one, already loaded."""
    (participant,) = _ANSWERING_PARTICIPANT.run(message.participant_id)
    participant.person = person  # the message is this person's (participant_answer looked it up so)
    return participant


def _answer_change(message: Message, *, button_id: str | None, person: Person) -> Message:
    """A later answer to a message without auto-lock (inside participant_answer's transaction, the
    message row locked): replace the recorded answer in the participant's results and on the message.
    The flow does not advance and nothing new is sent; a result already delivered is not sent again."""
    participant = _answering_participant(message, person)
    message.participant = participant  # loaded: recording and showing the answer need no query for it
    if message.result_index is None:
        raise AnswerRefused(_STALE, code="stale")
    now = timezone.now()
    try:
        result = runtime.change_answer(
            version_definition(participant.version),
            participant.state,
            step_index=message.result_index,
            reply={"node_id": message.node_id, "button_id": button_id},
            now=now,
            person=person_snapshots([participant.person_id])[participant.person_id],
        )
    except runtime.InvalidReply:
        raise AnswerRefused(_invalid_detail(button_id is None), code="invalid") from None
    except runtime.StaleReply:
        raise AnswerRefused(_STALE, code="stale") from None
    message_answer_record(
        message, button_id=button_id, at=now, step=result.state["steps"][message.result_index]
    )
    message_reply_create(message, participant_id=participant.pk)
    participant.state = result.state
    participant.save(update_fields=["state", "updated_at"])
    messages_push([message])
    return message


def _standalone_answer(
    message: Message, *, button_id: str | None, dismiss: bool, form: dict | None
) -> Message:
    """An answer to a message no flow step waits for (one a service sent through the fast path):
    recorded, locking the message, and shown in the conversation; nothing advances."""
    if form is not None or message.form is not None:
        raise AnswerRefused("This message has no form to submit.", code="invalid")
    if message.answered_at is not None:
        raise AnswerRefused("This message was already answered.", code="answered")
    buttons = {b["id"] for b in message.buttons}
    if not (message.option_values["allow_dismiss"] if dismiss else button_id in buttons):
        raise AnswerRefused(_invalid_detail(dismiss), code="invalid")
    message_answer_record(message, button_id=button_id, at=timezone.now(), step=None)
    message_reply_create(message, participant_id=None)
    messages_push([message])
    return message


def _invalid_detail(dismiss: bool) -> str:
    return "This message cannot be dismissed." if dismiss else "That is not one of this message's buttons."


def _form_reply(message: Message, form: dict, person: Person) -> dict:
    """The core's reply for a form answer. A photo_upload value names an upload; only the answering
    person's own uploads are handed to the core, so someone else's file is refused like a missing one."""
    button, value = form.get("button"), form.get("value")
    files: dict[str, dict] = {}
    widget = (message.form or {}).get("widget", {})
    if (
        widget.get("type") == "photo_upload"
        and isinstance(value, dict)
        and isinstance(value.get("upload"), str)
    ):
        try:
            upload_id = uuid.UUID(value["upload"])
        except ValueError:
            upload_id = None
        upload = Upload.objects.filter(uuid=upload_id, person=person).first() if upload_id else None
        if upload is not None:
            files[value["upload"]] = upload.as_file()
    return {"node_id": message.node_id, "button_id": button, "value": value, "files": files}


# --- results emails --------------------------------------------------------------------------------


def results_email_send(*, email_id: int) -> ResultsEmail:
    """Send one results email (django-q2 task, after commit) with Django's email framework. An email
    without recipients (no addresses and no admin with an email) is marked failed, never sent."""
    email = ResultsEmail.objects.get(pk=email_id)
    if email.status != ResultsEmail.Status.PENDING:
        return email
    if not email.recipients:
        email.status = ResultsEmail.Status.FAILED
        email.error = "No recipients: the element lists no addresses and no flow admin has an email address."
        email.save(update_fields=["status", "error"])
        return email
    try:
        send_mail(email.subject, email.body, None, email.recipients, fail_silently=False)
    except Exception as exc:  # SMTP and connection errors of any backend: keep the reason for staff
        email.status = ResultsEmail.Status.FAILED
        email.error = f"{type(exc).__name__}: {exc}"[:1000]
        email.save(update_fields=["status", "error"])
        return email
    email.status = ResultsEmail.Status.SENT
    email.sent_at = timezone.now()
    email.save(update_fields=["status", "sent_at"])
    return email
