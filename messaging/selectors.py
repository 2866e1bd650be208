"""Reads for the inbox."""

from messaging.models import Message

INBOX_LIMIT = 200


def message_payload(message: Message) -> dict:
    """The JSON shape of an inbox message (the same over the API and the websocket)."""
    flow_name = ""
    if message.participant_id:
        flow_name = message.participant.version.flow.name
    options = message.option_values
    answered = message.answered_at is not None
    return {
        "id": message.pk,
        "flow_name": flow_name,
        "text": message.text,
        # Rows from before button actions have none: "" is no action.
        "buttons": [
            {"id": b["id"], "caption": b["caption"], "action": b.get("action", "")} for b in message.buttons
        ],
        "allow_dismiss": options["allow_dismiss"],
        "dismiss_caption": options["dismiss_caption"],
        "branding": options["branding"],
        "alert": options["alert"],
        "auto_lock": options["auto_lock"],
        "attachments": options["attachments"],
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "answered_button_id": message.answered_button_id or None,
        "answered_caption": message.answered_caption,
        "answered_at": message.answered_at.isoformat() if message.answered_at else None,
        "dismissed": message.dismissed,
        # Answered and auto-locked: no further answer counts. Without auto-lock the answer may change.
        # A form is final once answered, whatever auto_lock says (a changed answer would have to undo what
        # was saved into variables and attributes).
        "locked": answered and (options["auto_lock"] or message.form is not None),
        # Form messages: the form as sent, and once answered its typed result and the answer as text.
        "form": message.form,
        "form_result": message.form_result,
        "display_value": message.display_value or None,
    }


def inbox_messages(person_id: int) -> list[dict]:
    """The most recent outbound messages of a person, oldest first."""
    rows = list(
        Message.objects.filter(person_id=person_id, direction=Message.Direction.OUT)
        .select_related("participant__version__flow")
        .order_by("-id")[:INBOX_LIMIT]
    )
    return [message_payload(m) for m in reversed(rows)]
