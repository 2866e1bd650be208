"""Receiving: what gateways deliver to the webhooks (messages, calls, delivery reports), the simulator's
replies (the same path), and what a person writes in the web inbox's composer.

A gateway delivery is verified (size, then signature), parsed, and stored in one transaction per request:
each message finds or creates its person, is stored once (a gateway's retry of the same id is counted as
a duplicate and skipped), handles the SMS keywords STOP and START, and otherwise publishes
"message.received" (a call: "call.received") for the engine to route. A message from a sender nobody is
known by, on a channel that does not create people, is kept for staff with routing "unhandled".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from messaging import signatures
from messaging.counting import delivery_moved
from messaging.models import Channel, ChannelOptOut, Message
from messaging.services import messages_push
from messaging.transports import BodyInvalid, InboundItem
from people import outbox
from people import services as people_services
from people.models import Person

MESSAGE_RECEIVED = "message.received"
CALL_RECEIVED = "call.received"
WEB_TEXT_MAX_CHARS = 1000

# Delivery statuses in the order they happen; a report never moves a message back.
STATUS_ORDER = {
    Message.Status.QUEUED: 0,
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.READ: 3,
}
REPORTED = ("sent", "delivered", "read", "failed")
# A failure report only counts before delivery: a message the person got cannot fail any more.
FAILABLE = (Message.Status.QUEUED, Message.Status.SENT)


class WebhookRefused(Exception):
    """A webhook request refused as a whole: nothing was stored. `status` is the HTTP answer (401 bad
    signature, 400 malformed body, 404 wrong channel kind, 413 too large); `reason` says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass
class Received:
    """What one request delivered: messages stored, duplicates skipped, and the stored messages' ids."""

    received: int = 0
    duplicates: int = 0
    message_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"received": self.received, "duplicates": self.duplicates}


@dataclass
class ReportsResult:
    """Delivery reports applied (`updated`) and those naming no message of ours (`unknown`). A report
    that would move a message back (delivered after read) is neither: it is ignored."""

    updated: int = 0
    unknown: int = 0

    def as_json(self) -> dict:
        return {"updated": self.updated, "unknown": self.unknown}


# --- gateways -------------------------------------------------------------------------------------------


def inbound_receive(channel: Channel, body: bytes, headers: Mapping[str, str]) -> Received:
    """Store the messages a gateway delivers to an SMS or email channel (JSON for SMS, raw RFC 822 for
    email). Raises WebhookRefused."""
    if channel.kind not in (Channel.Kind.SMS, Channel.Kind.EMAIL):
        raise WebhookRefused(404, f"A {channel.get_kind_display()} channel takes no inbound messages.")
    _verify(channel, body, headers)
    try:
        if channel.kind == Channel.Kind.SMS:
            from messaging.transports.sms.webhook import parse_inbound

            items = parse_inbound(body)
        else:
            from messaging.transports.email.rfc822 import parse_inbound as parse_email

            items = [parse_email(body, identities=channel.identities)]
    except BodyInvalid as exc:
        raise WebhookRefused(400, str(exc)) from None
    return _store_all(channel, items, topic=MESSAGE_RECEIVED)


def call_receive(channel: Channel, body: bytes, headers: Mapping[str, str]) -> Received:
    """Store an incoming call on a voice channel as an inbound message ("Incoming call") and publish
    "call.received". Raises WebhookRefused."""
    if channel.kind != Channel.Kind.VOICE:
        raise WebhookRefused(404, f"A {channel.get_kind_display()} channel takes no calls.")
    _verify(channel, body, headers)
    from messaging.transports.voice.calls import parse_call

    try:
        item = parse_call(body)
    except BodyInvalid as exc:
        raise WebhookRefused(400, str(exc)) from None
    return _store_all(channel, [item], topic=CALL_RECEIVED)


def reports_receive(channel: Channel, body: bytes, headers: Mapping[str, str]) -> ReportsResult:
    """Apply delivery reports {"id", "status", "error"} (or {"reports": [...]}) to our outbound messages
    on this channel, by the gateway's id: forward only (queued < sent < delivered < read; failed only
    from queued or sent). Raises WebhookRefused."""
    _verify(channel, body, headers)
    from messaging.transports.jsonbody import id_field, load_items, text_field

    reports = []
    try:
        for place, item in load_items(body, list_key="reports"):
            gateway_id = id_field(item, "id", place)
            status = text_field(item, "status", place).strip().lower()
            if status not in REPORTED:
                raise BodyInvalid(f"{place}status: {status!r} is not one of {', '.join(REPORTED)}.")
            error = text_field(item, "error", place, required=False)
            reports.append((gateway_id, status, error))
    except BodyInvalid as exc:
        raise WebhookRefused(400, str(exc)) from None

    result = ReportsResult()
    changed = []
    with transaction.atomic():
        for gateway_id, status, error in reports:
            message_id = (
                Message.objects.filter(
                    transport=channel, direction=Message.Direction.OUT, gateway_id=gateway_id
                )
                .values_list("pk", flat=True)
                .first()
            )
            if message_id is None:
                result.unknown += 1
                continue
            if _status_apply(message_id, status, error):
                result.updated += 1
                changed.append(message_id)
        messages_push(changed)
    return result


def _status_apply(message_id: int, status: str, error: str) -> bool:
    """Move one message to `status` if that is forward (under its row lock, so concurrent reports never
    move it back). True when it changed."""
    now = timezone.now()
    if status == Message.Status.FAILED:
        earlier = FAILABLE
        fields = {"error": (error.strip() or "The gateway reported the message as failed.")[:300]}
    else:
        earlier = [s for s, rank in STATUS_ORDER.items() if rank < STATUS_ORDER[status]]
        # A report can overtake our own record of the send: it was sent by then all the same.
        fields = {"sent_at": Coalesce(F("sent_at"), Value(now))}
    # Locked first: the reports' delivery counts need the status it moves from (messaging/counting.py).
    old = (
        Message.objects.select_for_update(of=("self",))
        .filter(pk=message_id, status__in=earlier)
        .values_list("status", "channel", "participant__version_id")
        .first()
    )
    if old is None:
        return False
    Message.objects.filter(pk=message_id).update(status=status, status_at=now, **fields)
    delivery_moved([(old[2], old[1], old[0], status)])
    return True


def too_large_reason() -> str:
    """Why a body over WEBHOOK_MAX_BYTES is refused (413)."""
    limit = settings.WEBHOOK_MAX_BYTES
    size = f"{limit / 1024 / 1024:g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return f"The request body is larger than {size}."


def _verify(channel: Channel, body: bytes, headers: Mapping[str, str]) -> None:
    if len(body) > settings.WEBHOOK_MAX_BYTES:
        raise WebhookRefused(413, too_large_reason())
    if not signatures.signature_valid(body, headers, channel.secret):
        raise WebhookRefused(
            401,
            f"Missing or wrong {signatures.HEADER} (sha256=<hex HMAC-SHA256 of the body, keyed with the "
            "channel's secret>).",
        )


def _store_all(channel: Channel, items: list[InboundItem], *, topic: str) -> Received:
    """Store a request's items in one transaction, with one `topic` event naming every message that is
    still to be routed (one claim and one routing transaction for a gateway's batch, not one each)."""
    received = Received()
    with transaction.atomic():
        try:
            # A savepoint: if another request stores one of these ids meanwhile, the constraint refuses
            # the bulk insert and the items are stored one by one instead.
            with transaction.atomic():
                stored, duplicates = _store_bulk(channel, items)
        except IntegrityError:
            stored, duplicates = [], 0
            for item in items:
                message = _store(channel, item)
                if message is None:
                    duplicates += 1
                else:
                    stored.append(message)
        received.received, received.duplicates = len(stored), duplicates
        received.message_ids = [m.pk for m in stored]
        pending = [m.pk for m in stored if m.routing == Message.Routing.PENDING]
        if pending:
            outbox.publish(topic, {"ids": pending})
    return received


def _store_bulk(channel: Channel, items: list[InboundItem]) -> tuple[list[Message], int]:
    """The items not received before, stored with one query for duplicates, one for the senders and one
    insert (plus a person created for each new sender when the channel creates people); (stored,
    duplicates)."""
    fresh: dict[str, InboundItem] = {}
    for item in items:
        fresh.setdefault(item.gateway_id, item)
    seen = set(
        Message.objects.filter(
            transport=channel, direction=Message.Direction.IN, gateway_id__in=list(fresh)
        ).values_list("gateway_id", flat=True)
    )
    new = [item for gateway_id, item in fresh.items() if gateway_id not in seen]
    persons = _persons_for(channel, {item.sender for item in new})
    now = timezone.now()
    messages = Message.objects.bulk_create(
        Message(
            person=persons.get(item.sender),
            direction=Message.Direction.IN,
            channel=channel.kind,
            transport=channel,
            address=item.sender,
            identity=item.recipient,
            text=item.text,
            gateway_id=item.gateway_id,
            status=Message.Status.DELIVERED,
            status_at=now,
            routing=Message.Routing.PENDING if item.sender in persons else Message.Routing.UNHANDLED,
        )
        for item in new
    )
    for message in messages:
        _route_keywords(channel, message)
    return messages, len(items) - len(messages)


def _persons_for(channel: Channel, senders: set[str]) -> dict[str, Person]:
    """The persons these senders are, by E.164 phone or lower-cased email (one query), each new sender
    created when the channel creates people; unknown senders are left out otherwise."""
    if channel.kind == Channel.Kind.EMAIL:
        wanted = {sender.lower(): sender for sender in senders}
        rows = Person.objects.annotate(address=Lower("email")).filter(address__in=list(wanted))
        found = {wanted[person.address]: person for person in rows.order_by("-pk")}
    else:
        found = {person.phone: person for person in Person.objects.filter(phone__in=list(senders))}
    for sender in sorted(senders - set(found)):
        if channel.creates_people:
            found[sender] = _person_for(channel, sender)
    return found


def _store(channel: Channel, item: InboundItem) -> Message | None:
    """Store one delivered message with its person and opt-out; None for a duplicate."""
    if _duplicate(channel, item.gateway_id):
        return None
    try:
        # A savepoint: a duplicate refused by the constraint undoes this item only (and the person it
        # may have created), not the request's other messages.
        with transaction.atomic():
            person = _person_for(channel, item.sender)
            message = Message.objects.create(
                person=person,
                direction=Message.Direction.IN,
                channel=channel.kind,
                transport=channel,
                address=item.sender,
                identity=item.recipient,
                text=item.text,
                gateway_id=item.gateway_id,
                status=Message.Status.DELIVERED,
                status_at=timezone.now(),
                routing=Message.Routing.PENDING if person is not None else Message.Routing.UNHANDLED,
            )
            _route_keywords(channel, message)
    except IntegrityError:
        # Another request stored the same gateway id between our check and our insert: a duplicate.
        # Anything else (a person created meanwhile with the same phone) fails the request, and the
        # gateway's retry then finds that person.
        if _duplicate(channel, item.gateway_id):
            return None
        raise
    return message


def _duplicate(channel: Channel, gateway_id: str) -> bool:
    return Message.objects.filter(
        transport=channel, direction=Message.Direction.IN, gateway_id=gateway_id
    ).exists()


def _person_for(channel: Channel, sender: str) -> Person | None:
    """The person `sender` is (by E.164 phone, or lower-cased email), created when the channel creates
    people; None for an unknown sender otherwise."""
    email = channel.kind == Channel.Kind.EMAIL
    by = {"email": sender} if email else {"phone": sender}
    # Emails are unique without regard to case; a person may have been stored as "Ann@Example.com".
    lookup = {"email__iexact": sender} if email else by
    person = Person.objects.filter(**lookup).order_by("pk").first()
    if person is None and channel.creates_people:
        try:
            with transaction.atomic():
                person = people_services.person_create(created_via=f"{channel.kind}:{channel.pk}", **by)
        except IntegrityError:
            # Another request created this sender at the same moment (a gateway delivering two messages
            # of a new number at once): it has committed by now, so it is found.
            person = Person.objects.filter(**lookup).order_by("pk").first()
            if person is None:
                raise
    return person


def _route_keywords(channel: Channel, message: Message) -> None:
    """SMS STOP and START: record or remove the person's opt-out; such a message goes to no flow."""
    if channel.kind != Channel.Kind.SMS or message.person_id is None:
        return
    from messaging.transports.sms import OPT_IN_KEYWORDS, OPT_OUT_KEYWORDS, keyword

    word = keyword(message.text)
    if word in OPT_OUT_KEYWORDS:
        ChannelOptOut.objects.get_or_create(person_id=message.person_id, kind=Channel.Kind.SMS)
        message.routing = Message.Routing.OPT_OUT
    elif word in OPT_IN_KEYWORDS:
        ChannelOptOut.objects.filter(person_id=message.person_id, kind=Channel.Kind.SMS).delete()
        message.routing = Message.Routing.OPT_IN
    else:
        return
    message.save(update_fields=["routing"])


def opted_out(person_id: int, kind: str) -> bool:
    """Whether the person asked to receive nothing more on this kind of channel (SMS STOP)."""
    return ChannelOptOut.objects.filter(person_id=person_id, kind=kind).exists()


# --- the web inbox ----------------------------------------------------------------------------------------


@transaction.atomic
def web_inbound(person: Person, text: str) -> Message:
    """What a person writes in the web inbox's composer, stored and published as "message.received" for
    the engine to route. Raises ValueError with the reason for an empty text or one over 1000 characters."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Write a message first.")
    if len(text) > WEB_TEXT_MAX_CHARS:
        raise ValueError(f"The message is longer than {WEB_TEXT_MAX_CHARS} characters ({len(text)}).")
    message = Message.objects.create(
        person=person,
        direction=Message.Direction.IN,
        channel="web",
        text=text,
        status=Message.Status.DELIVERED,
        status_at=timezone.now(),
        routing=Message.Routing.PENDING,
    )
    outbox.publish(MESSAGE_RECEIVED, {"ids": [message.pk]})
    messages_push([message.pk])  # to the person's other open tabs
    return message
