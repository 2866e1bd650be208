"""Sending messages over their channel. The web inbox is the first transport: a message is
"sent" by pushing it to the person's Channels group; the inbox catches up on reconnect."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from messaging.models import Message
from messaging.selectors import message_payload


def inbox_group(person_id: int) -> str:
    return f"inbox.person.{person_id}"


def messages_dispatch(message_ids: list[int]) -> None:
    """Push messages (new or changed) to their persons' open inboxes. Runs after commit."""
    messages = list(
        Message.objects.filter(pk__in=message_ids, direction=Message.Direction.OUT).select_related(
            "participant__version__flow"
        )
    )
    queued = [m.pk for m in messages if m.status == Message.Status.QUEUED]
    if queued:
        Message.objects.filter(pk__in=queued).update(status=Message.Status.SENT, sent_at=timezone.now())
    events = []
    for message in messages:
        if message.status == Message.Status.QUEUED:
            message.status = Message.Status.SENT
        events.append(
            (inbox_group(message.person_id), {"type": "inbox.message", "message": message_payload(message)})
        )
    # One trip into the event loop for the whole batch: a launch sends hundreds at once.
    async_to_sync(_group_send_all)(events)


async def _group_send_all(events: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    for group, event in events:
        await layer.group_send(group, event)
