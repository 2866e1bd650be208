"""What an SMS gateway POSTs to /webhooks/<uuid>/inbound/:
{"id": "...", "from": "+32...", "to": "+32...", "text": "..."} or {"messages": [up to 1000 of those]}."""

from messaging.transports import BodyInvalid, InboundItem
from messaging.transports.jsonbody import id_field, load_items, text_field
from messaging.transports.sms import phone_or_none


def parse_inbound(body: bytes) -> list[InboundItem]:
    """The messages of an inbound SMS body, senders in E.164. Raises BodyInvalid naming the field and item."""
    found = []
    for place, item in load_items(body, list_key="messages"):
        gateway_id = id_field(item, "id", place)
        raw_sender = text_field(item, "from", place)
        sender = phone_or_none(raw_sender)
        if sender is None:
            raise BodyInvalid(f"{place}from: {raw_sender!r} is not a valid phone number (e.g. +32470123456).")
        recipient = text_field(item, "to", place)
        text = text_field(item, "text", place, allow_empty=True)
        found.append(
            InboundItem(
                gateway_id=gateway_id,
                sender=sender,
                # Our own number, normalised when it is one (a short code stays as it is).
                recipient=phone_or_none(recipient) or recipient.strip(),
                text=text,
            )
        )
    return found
