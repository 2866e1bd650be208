"""Engine services: the Django side around the pure core in engine/core.

They load participant state, call `runtime.start/resume` inside a transaction, persist the new
state, step history and messages, and hand side effects (live pushes, result callbacks) to
`transaction.on_commit`, so nothing is sent for a change that was rolled back.
"""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from engine.attributes import AttributeRefused, attribute_save
from engine.core import definition, runtime
from engine.core.definition import FlowDefinition
from engine.core.elements.predefined_audience import AUDIENCE_KEYS
from engine.models import CallbackDelivery, Launch, Participant, ParticipantStep, Poke, ResultsEmail
from engine.results import results_payload, results_text
from flowdesigner.models import Flow, FlowVersion
from flowdesigner.roles import MARKETER
from messaging.models import Message, Upload
from messaging.services import messages_dispatch
from people.models import Person, Segment
from people.selectors import segment_persons


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
    emails: list[ResultsEmail] = field(default_factory=list)
    # The admins' addresses, looked up once per batch of advances.
    _admin_emails: list[str] | None = None

    def admin_emails(self) -> list[str]:
        if self._admin_emails is None:
            self._admin_emails = flow_admin_emails()
        return self._admin_emails

    def persist(self) -> None:
        Message.objects.bulk_create(self.messages)
        ParticipantStep.objects.bulk_create(self.new_steps)
        for participant_id, seq, left_at, exit_name in self.closed_steps:
            ParticipantStep.objects.filter(participant_id=participant_id, seq=seq).update(
                left_at=left_at, exit_name=exit_name
            )
        CallbackDelivery.objects.bulk_create(self.deliveries)
        ResultsEmail.objects.bulk_create(self.emails)
        message_ids = [m.pk for m in self.messages]
        delivery_ids = [d.pk for d in self.deliveries]
        if message_ids:
            transaction.on_commit(lambda: messages_dispatch(message_ids))
        for delivery_id in delivery_ids:
            transaction.on_commit(lambda d=delivery_id: async_task("engine.tasks.callback_deliver", d))
        for email_id in [e.pk for e in self.emails]:
            transaction.on_commit(lambda e=email_id: async_task("engine.tasks.results_email_send", e))


def flow_admin_emails() -> list[str]:
    """Who "email the flow's admins" reaches: active users in the marketer group with an email address
    (the people who design flows), sorted and without duplicates."""
    users = get_user_model().objects.filter(groups__name=MARKETER, is_active=True).exclude(email="")
    return sorted({email.strip().lower() for email in users.values_list("email", flat=True)})


def _delivery_body(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


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
    flow = participant.version.flow
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
                    options={
                        "allow_dismiss": event.allow_dismiss,
                        "dismiss_caption": event.dismiss_caption,
                        "branding": event.branding,
                        "alert": dict(event.alert),
                        "auto_lock": event.auto_lock,
                        "attachments": list(event.attachments),
                        **({"form": event.form} if event.form is not None else {}),
                    },
                )
            )
        elif isinstance(event, runtime.FlushResults):
            # The steps so far: the state after this advance, which records no answers after the flush.
            if flow.callback_url:
                payload = results_payload(participant, kind="flush", node_id=event.node_id)
                effects.deliveries.append(
                    CallbackDelivery(
                        flow=flow,
                        participant=participant,
                        kind=CallbackDelivery.Kind.FLUSH,
                        url=flow.callback_url,
                        body=_delivery_body(payload),
                    )
                )
        elif isinstance(event, runtime.EmailResults):
            recipients = list(
                dict.fromkeys(event.emails + (effects.admin_emails() if event.email_admins else []))
            )
            subject, body = results_text(results_payload(participant, kind="flush", node_id=event.node_id))
            effects.emails.append(
                ResultsEmail(
                    flow=flow,
                    participant=participant,
                    node_id=event.node_id,
                    recipients=recipients,
                    subject=subject,
                    body=body,
                )
            )
        elif isinstance(event, runtime.Completed):
            participant.completed_at = now
            if flow.callback_url:
                payload = results_payload(
                    participant,
                    kind="end",
                    node_id=event.node_id,
                    exit_name=event.exit_name,
                    wait_for_follow_up=event.wait_for_follow_up,
                )
                effects.deliveries.append(
                    CallbackDelivery(
                        flow=flow,
                        participant=participant,
                        kind=CallbackDelivery.Kind.END,
                        url=flow.callback_url,
                        body=_delivery_body(payload),
                    )
                )
        elif isinstance(event, runtime.Failed):
            participant.completed_at = now
        # SaveAttribute is applied by participant_answer before anything else is written (it may refuse).


_PARTICIPANT_FIELDS = ["state", "status", "current_node", "step_count", "completed_at", "updated_at"]


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
        _participant_enter(participant, defn=defn, entry_id=entry_id, now=now, effects=effects)
    Participant.objects.bulk_create(participants)
    effects.persist()
    return len(participants)


def _participant_enter(
    participant: Participant, *, defn: FlowDefinition, entry_id: str, now: datetime, effects: _Effects
) -> None:
    """Run the core's start for a new (unsaved) participant and collect the rows it implies."""
    result = runtime.start(defn, entry_id=entry_id, person=person_context(participant.person), now=now)
    _apply(participant, result, old_history_len=0, effects=effects)


def participant_start(
    *,
    version: FlowVersion,
    person: Person,
    launch: Launch | None = None,
    poke: Poke | None = None,
    now: datetime | None = None,
) -> Participant:
    """Enter one person into a published version through its Predefined Audience entry (whoever is in
    that audience) and write the participant, its history and first messages. Call it inside a
    transaction; messages are pushed and callbacks sent after commit. LaunchRefused when the version
    has no entry to start from."""
    defn = version_definition(version)
    entry_id = entry_node_id(defn)
    participant = Participant(launch=launch, poke=poke, version=version, person=person)
    effects = _Effects()
    _participant_enter(participant, defn=defn, entry_id=entry_id, now=now or timezone.now(), effects=effects)
    participant.save()
    effects.persist()
    return participant


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
    participant = (
        # of=self: lock only the participant row (PostgreSQL cannot lock the nullable side of the
        # outer join that select_related("launch") makes).
        Participant.objects.select_for_update(of=("self",))
        .select_related("person", "version__flow", "launch")
        .get(pk=message.participant_id)
    )
    if participant.status != Participant.Status.WAITING or participant.current_node != message.node_id:
        raise AnswerRefused(_STALE, code="stale")

    now = timezone.now()
    old_len = len(participant.state.get("history", []))
    old_steps = len(participant.state.get("steps", []))
    try:
        result = runtime.resume(
            version_definition(participant.version),
            participant.state,
            reply=reply,
            now=now,
            person=person_context(participant.person),
        )
    except runtime.InvalidReply as exc:
        detail = str(exc) if form is not None else _invalid_detail(dismiss)
        raise AnswerRefused(detail, code="invalid") from None
    except runtime.StaleReply:
        raise AnswerRefused(_STALE, code="stale") from None

    for event in result.events:
        if isinstance(event, runtime.SaveAttribute):
            try:
                attribute_save(
                    person=participant.person, key=event.key, result=event.result, display=event.display_value
                )
            except AttributeRefused as exc:
                # Raised out of the transaction: nothing of this answer is kept.
                raise AnswerRefused(str(exc), code="invalid") from None

    recorded = result.state["steps"][old_steps] if len(result.state.get("steps", [])) > old_steps else None
    _record_answer(message, button_id=reply["button_id"], now=now, step=recorded)
    message.result_index = old_steps if recorded is not None else None
    message.save(update_fields=[*_ANSWER_FIELDS, "result_index"])
    _inbound_reply(message, participant)

    effects = _Effects()
    _apply(participant, result, old_history_len=old_len, effects=effects)
    participant.save(update_fields=_PARTICIPANT_FIELDS)
    effects.persist()
    transaction.on_commit(lambda: messages_dispatch([message.pk]))
    return message


def _answer_change(message: Message, *, button_id: str | None, person: Person) -> Message:
    """A later answer to a message without auto-lock (inside participant_answer's transaction, the
    message row locked): replace the recorded answer in the participant's results and on the message.
    The flow does not advance and nothing new is sent; a result already delivered is not sent again."""
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("person", "version__flow")
        .get(pk=message.participant_id)
    )
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
            person=person_context(participant.person),
        )
    except runtime.InvalidReply:
        raise AnswerRefused(_invalid_detail(button_id is None), code="invalid") from None
    except runtime.StaleReply:
        raise AnswerRefused(_STALE, code="stale") from None
    _record_answer(message, button_id=button_id, now=now, step=result.state["steps"][message.result_index])
    message.save(update_fields=_ANSWER_FIELDS)
    _inbound_reply(message, participant)
    participant.state = result.state
    participant.save(update_fields=["state", "updated_at"])
    transaction.on_commit(lambda: messages_dispatch([message.pk]))
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
    _record_answer(message, button_id=button_id, now=timezone.now(), step=None)
    message.save(update_fields=_ANSWER_FIELDS)
    Message.objects.create(
        person=message.person,
        direction=Message.Direction.IN,
        channel=message.channel,
        status=Message.Status.DELIVERED,
        text=message.answered_caption or message.answered_button_id,
        reply_to=message,
    )
    transaction.on_commit(lambda: messages_dispatch([message.pk]))
    return message


def _invalid_detail(dismiss: bool) -> str:
    return "This message cannot be dismissed." if dismiss else "That is not one of this message's buttons."


_ANSWER_FIELDS = ["answered_button_id", "dismissed", "answered_at", "status", "form_result", "display_value"]


def _record_answer(message: Message, *, button_id: str | None, now: datetime, step: dict | None) -> None:
    message.answered_button_id = button_id or ""
    message.dismissed = button_id is None
    message.answered_at = now
    message.status = Message.Status.READ
    message.form_result = step.get("form_result") if step else None
    message.display_value = (step.get("display_value") or "") if step else ""


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


def _inbound_reply(message: Message, participant: Participant) -> None:
    """The answer as an inbound message in the conversation (the caption, the dismiss caption, or a form's
    value as text)."""
    Message.objects.create(
        person=participant.person,
        participant=participant,
        node_id=message.node_id,
        direction=Message.Direction.IN,
        channel=message.channel,
        status=Message.Status.DELIVERED,
        text=message.display_value or message.answered_caption or message.answered_button_id,
        reply_to=message,
    )


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
