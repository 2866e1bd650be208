"""The web inbox: a message is "sent" by pushing it to the person's Channels group
(`inbox.person.<id>`); any daphne process holding that person's socket forwards it, and the inbox
catches up on reconnect. The same push tells open pages that a message changed (answered, expired,
delivered, failed)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from messaging.counting import delivery_moved
from messaging.models import Message
from messaging.selectors import branding_colors, message_payload

WEB = "web"


def inbox_group(person_id: int) -> str:
    return f"inbox.person.{person_id}"


def messages_dispatch(message_ids: list[int]) -> None:
    """Push web messages (new or changed) to their persons' open inboxes, marking queued ones sent.
    Runs after commit, outside any transaction (the SQLite channel layer writes to the same database), by
    the outbox handler of "messages.dispatch". Messages of other channels are neither marked nor pushed to
    the inbox (the person reads them on their phone or in their mailbox): their transport sends them
    (messaging/delivery.py), and a push of them is where a staff page watching them would hook in."""
    # What the person wrote in the composer is pushed too, so their other open tabs show it.
    written = Q(direction=Message.Direction.IN) & ~Q(routing="")
    messages = list(
        Message.objects.filter(Q(direction=Message.Direction.OUT) | written, pk__in=message_ids, channel=WEB)
        .exclude(person_id=None)
        .select_related("participant__version__flow")
    )
    queued = [
        m for m in messages if m.status == Message.Status.QUEUED and m.direction == Message.Direction.OUT
    ]
    if queued:
        now = timezone.now()
        with transaction.atomic():
            # Locked and re-read: another dispatch of the same ids may have marked some sent meanwhile.
            ids = list(
                Message.objects.select_for_update()
                .filter(pk__in=[m.pk for m in queued], status=Message.Status.QUEUED)
                .values_list("pk", flat=True)
            )
            Message.objects.filter(pk__in=ids).update(status=Message.Status.SENT, sent_at=now, status_at=now)
            delivery_moved(
                (m.participant.version_id if m.participant_id else None, WEB, Message.Status.QUEUED, "sent")
                for m in queued
                if m.pk in set(ids)
            )
        for message in queued:
            message.status, message.sent_at, message.status_at = Message.Status.SENT, now, now
    events = []
    colors = branding_colors(messages)
    for message in messages:
        events.append(
            (
                inbox_group(message.person_id),
                {"type": "inbox.message", "message": message_payload(message, colors=colors)},
            )
        )
    # One trip into the event loop for the whole batch: a launch sends hundreds at once.
    async_to_sync(_group_send_all)(events)


async def _group_send_all(events: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, event in events:
        await layer.group_send(group, event)
