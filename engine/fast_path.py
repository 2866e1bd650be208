"""The fast path: a service that answers a results callback with a message or a flow to start gets it
done for that person right away (Rogerthat's callback answer). Run by engine.callbacks after a 2xx
attempt is recorded; anything it cannot use is ignored with the reason noted on the attempt."""

import json
import logging
from dataclasses import dataclass

from django.db import transaction

from engine import entries
from engine.core.elements.message import BUTTON_ID, DISMISS_EXIT, MAX_CAPTION, MAX_TEXT
from engine.core.elements.message import options as message_options
from engine.core.formats import action_problem
from engine.definitions import LaunchRefused, default_entry_id, version_definition
from engine.models import CallbackAttempt, CallbackDelivery
from flowdesigner.models import Flow
from messaging.models import Message
from messaging.services import message_out_build, messages_queue
from people.models import Person

logger = logging.getLogger(__name__)

# The most of a callback response that is read; a longer body is ignored, never parsed.
MAX_BODY_BYTES = 64 * 1024
MAX_BUTTONS = 20
KINDS = {CallbackDelivery.Kind.END, CallbackDelivery.Kind.FLUSH}


class Ignored(ValueError):
    """A response body that asks for nothing usable; the message is the reason noted on the attempt."""


@dataclass(frozen=True)
class SendMessage:
    text: str
    buttons: list[dict]
    allow_dismiss: bool


@dataclass(frozen=True)
class StartFlow:
    flow_id: int


def parse(body: bytes) -> SendMessage | StartFlow:
    """What a response body asks for; Ignored with the reason when it asks for nothing usable."""
    if not body.strip():
        raise Ignored("empty body")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Ignored("the body is not JSON") from None
    if not isinstance(data, dict) or data.get("type") not in {"message", "flow"}:
        raise Ignored('not a fast-path answer (no "type": "message" or "flow")')
    if data["type"] == "flow":
        flow_id = data.get("flow_id")
        if type(flow_id) is not int:
            raise Ignored('"flow_id" must be a whole number')
        return StartFlow(flow_id=flow_id)
    return _message(data.get("message"))


def _message(message: object) -> SendMessage:
    if not isinstance(message, dict):
        raise Ignored('"message" must be an object')
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        raise Ignored('"message.text" must be a non-empty string')
    if len(text) > MAX_TEXT:
        raise Ignored(f"the message text is longer than {MAX_TEXT} characters")
    raw_buttons = message.get("buttons", [])
    if not isinstance(raw_buttons, list) or len(raw_buttons) > MAX_BUTTONS:
        raise Ignored(f'"message.buttons" must be a list of at most {MAX_BUTTONS} buttons')
    buttons: list[dict] = []
    ids: set[str] = set()
    captions: set[str] = set()
    for number, button in enumerate(raw_buttons, start=1):
        if not isinstance(button, dict):
            raise Ignored(f"button {number} must be an object")
        bid, caption, action = button.get("id"), button.get("caption"), button.get("action", "")
        if not isinstance(bid, str) or not BUTTON_ID.fullmatch(bid) or bid == DISMISS_EXIT:
            raise Ignored(f"button {number} has no usable id")
        if not isinstance(caption, str) or not caption.strip() or len(caption) > MAX_CAPTION:
            raise Ignored(f"button {number} needs a caption of 1 to {MAX_CAPTION} characters")
        if not isinstance(action, str):
            raise Ignored(f'button {number}: "action" must be a string')
        if problem := action_problem(action):
            raise Ignored(f"button {number}: {problem}")
        if bid in ids or caption.strip().casefold() in captions:
            raise Ignored(f"button {number} repeats an id or caption")
        ids.add(bid)
        captions.add(caption.strip().casefold())
        buttons.append({"id": bid, "caption": caption, "action": action})
    allow_dismiss = message.get("allow_dismiss", not buttons)
    if not isinstance(allow_dismiss, bool):
        raise Ignored('"message.allow_dismiss" must be true or false')
    if not buttons and not allow_dismiss:
        raise Ignored("a message needs a button or allow_dismiss")
    return SendMessage(text=text, buttons=buttons, allow_dismiss=allow_dismiss)


def _send(person: Person, wanted: SendMessage) -> Message:
    """A standalone message (no flow step behind it): its answer is recorded and locks it."""
    message = message_out_build(
        person_id=person.pk,
        participant=None,
        node_id="",
        text=wanted.text,
        buttons=wanted.buttons,
        options=message_options({"allow_dismiss": wanted.allow_dismiss}),
    )
    messages_queue([message])
    return message


def _start(person: Person, wanted: StartFlow) -> str:
    flow = Flow.objects.filter(pk=wanted.flow_id).first()
    if flow is None:
        raise Ignored(f"there is no flow {wanted.flow_id}")
    version = flow.latest_version
    if version is None:
        raise Ignored(f"flow {flow.pk} has no published version")
    try:
        entry_id = default_entry_id(version_definition(version))
    except LaunchRefused as exc:
        raise Ignored(f"flow {flow.pk}: {exc}") from None
    entry = entries.enter(version=version, person=person, entry_id=entry_id, source="service callback")
    if entry.participant is None:
        raise Ignored(f"flow {flow.pk}: {entry.refusal}")
    return f"started flow {flow.pk}"


def fast_path_apply(*, attempt_id: int, body: bytes) -> str:
    """Honour a 2xx response body of a results callback for the delivery's person, in one transaction
    with the note on the attempt. Returns the note. Never raises: a failure is noted as ignored (its
    own transaction was rolled back), so the delivery stays delivered."""
    try:
        with transaction.atomic():
            attempt = CallbackAttempt.objects.select_related("delivery__participant__person").get(
                pk=attempt_id
            )
            note = _honour(attempt.delivery, body)
            attempt.fast_path = note
            attempt.save(update_fields=["fast_path"])
        return note
    except Exception as exc:  # a bug or a database error must not undo the delivery
        logger.exception("The fast path of callback attempt %s failed", attempt_id)
        note = f"ignored: error ({type(exc).__name__})"
        CallbackAttempt.objects.filter(pk=attempt_id).update(fast_path=note)
        return note


def _honour(delivery: CallbackDelivery, body: bytes) -> str:
    try:
        if len(body) > MAX_BODY_BYTES:
            raise Ignored(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
        wanted = parse(body)
        person = delivery.participant.person
        if isinstance(wanted, SendMessage):
            _send(person, wanted)
            return "sent message"
        return _start(person, wanted)
    except Ignored as exc:
        return f"ignored: {exc}"
