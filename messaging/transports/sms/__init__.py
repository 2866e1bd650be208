"""SMS: inbound messages as JSON from an HTTP gateway (webhook.py), outbound through it (http_gateway.py),
and the keywords a person texts to stop or restart messages."""

from people.attributes import AttributeValueError, normalise_phone

# The message trimmed, case ignored, equal to one of these: carriers' standard opt-out and opt-in words.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP"})


def keyword(text: str) -> str:
    """The text as compared with the keywords: trimmed and upper-cased."""
    return text.strip().upper()


def phone_or_none(value: str) -> str | None:
    """`value` in E.164 the way people stores phones (people.attributes.normalise_phone), None when it is
    no valid phone number."""
    try:
        return normalise_phone(value)
    except AttributeValueError:
        return None
