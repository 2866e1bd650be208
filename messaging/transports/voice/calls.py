"""What a voice gateway POSTs to /webhooks/<uuid>/calls/ when a person calls one of our numbers:
{"call_id": "...", "from": "+32...", "to": "+32..."} (one call per request)."""

from messaging.transports import BodyInvalid, InboundItem
from messaging.transports.jsonbody import id_field, load_items, text_field
from messaging.transports.sms import phone_or_none

CALL_TEXT = "Incoming call"


def parse_call(body: bytes) -> InboundItem:
    """The call as an inbound item (the caller in E.164). Raises BodyInvalid naming the field."""
    items = load_items(body, list_key="calls")
    if len(items) != 1 or items[0][0]:
        raise BodyInvalid("Send one call per request, as one object.")
    item = items[0][1]
    call_id = id_field(item, "call_id", "")
    raw_caller = text_field(item, "from", "")
    caller = phone_or_none(raw_caller)
    if caller is None:
        raise BodyInvalid(f"from: {raw_caller!r} is not a valid phone number (e.g. +32470123456).")
    recipient = text_field(item, "to", "")
    return InboundItem(
        gateway_id=call_id,
        sender=caller,
        recipient=phone_or_none(recipient) or recipient.strip(),
        text=CALL_TEXT,
    )
