"""Sending queued messages through their channel's transport (SMS, email, voice), with retries.

The outbox handler of "messages.send" (messaging/handlers.py) calls `messages_send`. Each message is
claimed first with a conditional UPDATE (still queued, attempts unchanged -> attempts + 1), so two workers
handling the same event never both send it. Then:

- sent: status sent, sent_at, status_at and the gateway's id (delivery reports name it later);
- a failure that may pass (a timeout, 5xx, 429, an SMTP 4xx): the error is recorded and, below
  MESSAGE_SEND_MAX_ATTEMPTS, a new "messages.send" event for that message is due after the backoff
  (MESSAGE_SEND_BACKOFF_SECONDS doubling, at most an hour): outbox events with `available_at` are the
  engine's timers;
- a failure that will not pass (4xx, a refused recipient), the last attempt, an opted-out person, no
  number or address, no active channel: status failed with the reason.

Every change is pushed (messages_push) so open pages show it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from messaging.counting import delivery_moved
from messaging.inbound import opted_out
from messaging.models import Channel, Message
from messaging.services import SEND, messages_push
from messaging.transports import SendFailed, transport_for
from people import outbox

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
# The handler's lease, and the part of it spent sending before the rest is handed to a new event (each
# send can take up to about twice GATEWAY_TIMEOUT_SECONDS: connect, then read).
LEASE_SECONDS = 300
SLICE_MARGIN_SECONDS = 60

NO_ADDRESS = {
    Channel.Kind.SMS: "Not sent: the person has no phone number",
    Channel.Kind.VOICE: "Not sent: the person has no phone number",
    Channel.Kind.EMAIL: "Not sent: the person has no email address",
}


def opted_out_reason(kind: str) -> str:
    word = {"sms": "SMS", "email": "email", "voice": "calls"}.get(kind, kind)
    stop = " (replied STOP)" if kind == Channel.Kind.SMS else ""
    return f"Not sent: the person opted out of {word}{stop}"


def backoff_seconds(attempt: int) -> int:
    """Wait after failed attempt number `attempt` (1, 2, ...): the backoff doubling, at most an hour."""
    return min(settings.MESSAGE_SEND_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def messages_send(message_ids: list[int]) -> None:
    """Send these queued messages one by one (network: outside any transaction). When the handler's lease
    would run out, the rest go to a new "messages.send" event, so a slow gateway never lets another worker
    take up the same event while this one still sends."""
    deadline = time.monotonic() + LEASE_SECONDS - SLICE_MARGIN_SECONDS - 2 * settings.GATEWAY_TIMEOUT_SECONDS
    for index, message_id in enumerate(message_ids):
        if time.monotonic() > deadline:
            with transaction.atomic():
                outbox.publish(SEND, {"ids": list(message_ids[index:])})
            return
        message_send(message_id)


def message_send(message_id: int) -> Message | None:
    """One attempt at sending one queued outbound message; None when there is nothing to do (not queued
    any more, or another worker claimed it)."""
    message = (
        Message.objects.filter(pk=message_id, direction=Message.Direction.OUT)
        .select_related("transport", "person", "participant")
        .first()
    )
    if message is None or message.status != Message.Status.QUEUED:
        return None
    refusal = _refusal(message)
    if refusal:
        _fail(message, refusal)
        return message
    claimed = Message.objects.filter(
        pk=message.pk, status=Message.Status.QUEUED, attempts=message.attempts
    ).update(attempts=F("attempts") + 1, address=message.address, identity=message.identity)
    if not claimed:
        return None
    message.attempts += 1
    channel = message.transport
    try:
        transport = transport_for(channel)
        gateway_id = transport.send(message, channel)
    except LookupError as exc:
        _fail(message, f"Not sent: {exc}")
        return message
    except SendFailed as exc:
        _failed_attempt(message, exc)
        return message
    except Exception as exc:
        # A bug in a transport must not hold the rest of the batch; the message shows what happened.
        logger.exception("Sending message %s through %s failed", message.pk, channel)
        _failed_attempt(
            message, SendFailed(f"Internal error while sending: {type(exc).__name__}", retry=True)
        )
        return message
    _sent(message, gateway_id)
    try:
        transport.sent(message, channel)
    except Exception:
        logger.exception(
            "The %s transport's after-send step failed for message %s", transport.name, message.pk
        )
    return message


def _refusal(message: Message) -> str:
    """Why `message` cannot be sent at all ("" when it can), filling its address and identity."""
    channel = message.transport
    kind = message.channel
    if channel is None or not channel.active or channel.kind != kind:
        return f"Not sent: there is no active {kind.upper() if kind == 'sms' else kind} channel"
    if message.person_id is not None and opted_out(message.person_id, kind):
        return opted_out_reason(kind)
    if not message.address and message.person is not None:
        message.address = (message.person.email if kind == Channel.Kind.EMAIL else message.person.phone) or ""
    if not message.address:
        return NO_ADDRESS.get(kind, "Not sent: the person has no address on this channel")
    if not message.identity and channel.identities:
        message.identity = channel.identities[0]
    return ""


def _sent(message: Message, gateway_id: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        moved = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.SENT, sent_at=now, status_at=now, gateway_id=gateway_id, error=""
        )
        if moved:
            delivery_moved([(_version_id(message), message.channel, Message.Status.QUEUED, "sent")])
        messages_push([message.pk])
    message.status, message.gateway_id = Message.Status.SENT, gateway_id
    message.sent_at = message.status_at = now


def _failed_attempt(message: Message, failure: SendFailed) -> None:
    if not failure.retry or message.attempts >= settings.MESSAGE_SEND_MAX_ATTEMPTS:
        reason = failure.reason
        if failure.retry:
            reason = f"{reason} (gave up after {message.attempts} attempts)"
        _fail(message, reason)
        return
    due = timezone.now() + timedelta(seconds=backoff_seconds(message.attempts))
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(error=failure.reason[:300])
        outbox.publish(SEND, {"ids": [message.pk]}, available_at=due)
        messages_push([message.pk])
    message.error = failure.reason[:300]


def _fail(message: Message, reason: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        moved = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
            status=Message.Status.FAILED, status_at=now, error=reason[:300], address=message.address
        )
        if moved:
            delivery_moved(
                [(_version_id(message), message.channel, Message.Status.QUEUED, Message.Status.FAILED)]
            )
        messages_push([message.pk])
    message.status, message.status_at, message.error = Message.Status.FAILED, now, reason[:300]


def _version_id(message: Message) -> int | None:
    return message.participant.version_id if message.participant_id else None
