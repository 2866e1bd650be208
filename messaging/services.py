"""Messages: every write to `Message` goes through here. Queuing messages, recording answers and replies,
sending them over their channel, and storing the files persons upload for forms.

Queued messages are sent by outbox handlers (messaging/handlers.py) of events published in the same
transaction that queues them, so a process killed after the commit loses no message: "messages.dispatch"
for the web inbox (a push to the person's Channels group: messaging/transports/web/), "messages.send" for
the other channels (through their transport: messaging/delivery.py). Inbound messages are stored by
messaging/inbound.py."""

import secrets
from collections import Counter
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import get_valid_filename

from messaging.counting import delivery_moved
from messaging.models import Channel, Message, Upload

# The web transport's push, importable from here as before it moved (callers keep their imports).
from messaging.transports.web import WEB, inbox_group, messages_dispatch, remember  # noqa: F401
from people import bulk, outbox
from people.models import Person

DISPATCH = "messages.dispatch"
# Messages to send through their channel's transport (messaging/delivery.py): {"ids": [...]}.
SEND = "messages.send"


def message_out_build(
    *,
    person_id: int,
    participant,
    node_id: str,
    text: str,
    buttons: list,
    options: dict,
    channel: str = WEB,
    transport_id: int | None = None,
    address: str = "",
    identity: str = "",
) -> Message:
    """An outbound message, not saved: hand a list of them to messages_queue. `participant` may be
    unsaved yet (a launch batch): it must be saved before messages_queue.

    Outside the web inbox, `channel` is the kind ("sms", "email"), `transport_id` the Channel (gateway
    account) it goes out on, `address` the person's number or address and `identity` ours. The sender fills
    an empty address from the person when it sends; a missing transport fails the send with the reason."""
    return Message(
        person_id=person_id,
        participant=participant,
        node_id=node_id,
        direction=Message.Direction.OUT,
        channel=channel or WEB,
        status=Message.Status.QUEUED,
        text=text,
        buttons=buttons,
        options=options,
        transport_id=transport_id,
        address=address,
        identity=identity,
    )


def messages_queue(
    messages: list[Message],
    *,
    also_push: list[Message] = (),
    counts: Counter | None = None,
    replies: list[Message] = (),
) -> None:
    """Store outbound messages and, in the same transaction, the outbox events that send them:
    "messages.dispatch" for web messages (with `also_push`: changed messages whose new state the inbox
    must see, e.g. answered), "messages.send" for the other channels. A web message is sent once stored
    (the inbox shows it from then on), so it is written as sent; the others are queued for their
    transport. `counts`: a caller's counter deltas the delivery counts are added to (messaging.counting).
    `replies` (message_reply_build's) are stored first, in the same INSERT, and nothing else."""
    now = timezone.now()
    for message in messages:
        if message.channel == WEB and message.status == Message.Status.QUEUED:
            message.status, message.sent_at, message.status_at = Message.Status.SENT, now, now
    bulk.create([*replies, *messages])
    delivery_moved(
        (
            (m.participant.version_id if m.participant_id else None, m.channel, None, m.status)
            for m in messages
            if m.direction == Message.Direction.OUT
        ),
        into=counts,
    )
    web = [m for m in messages if m.channel == WEB]
    messages_push(web + list(also_push))
    send = [m.pk for m in messages if m.channel != WEB]
    if send:
        outbox.publish(SEND, {"ids": send})


def messages_push(messages: list[Message] | list[int]) -> None:
    """Push new or changed messages (rows, or ids) to the inbox (in the caller's transaction, sent after
    commit). Rows are pushed as they are now, without reading them back."""
    if not messages:
        return
    rows = [m for m in messages if isinstance(m, Message)]
    remember(rows)
    ids = [m if isinstance(m, int) else m.pk for m in messages]
    payload: dict = {"ids": ids}
    if len(rows) == len(messages):
        payload["persons"] = sorted({m.person_id for m in rows if m.person_id is not None})
    outbox.publish(DISPATCH, payload)


def messages_expire(waits: list[tuple[int, str]]) -> None:
    """Close the unanswered outbound messages of (participant id, node id) pairs whose step is over
    (a reply timeout), and push them so the inbox shows they can no longer be answered."""
    if not waits:
        return
    match = Q()
    for participant_id, node_id in waits:
        match |= Q(participant_id=participant_id, node_id=node_id)
    open_messages = Message.objects.filter(match, direction=Message.Direction.OUT, answered_at__isnull=True)
    rows = list(
        open_messages.exclude(status=Message.Status.EXPIRED)
        .select_for_update(of=("self",))
        .values_list("pk", "participant__version_id", "channel", "status")
    )
    if rows:
        ids = [pk for pk, *_ in rows]
        Message.objects.filter(pk__in=ids).update(status=Message.Status.EXPIRED)
        delivery_moved((version, channel, old, Message.Status.EXPIRED) for _, version, channel, old in rows)
        messages_push(ids)


def message_answer_record(
    message: Message,
    *,
    button_id: str | None,
    at,
    step: dict | None,
    result_index: int | None = None,
    counts: Counter | None = None,
) -> None:
    """Record an answer on an outbound message (locked by the caller) and save it (`counts`: as in
    messages_queue)."""
    message.answered_button_id = button_id or ""
    message.dismissed = button_id is None
    message.answered_at = at
    if message.status != Message.Status.READ:
        version_id = message.participant.version_id if message.participant_id else None
        delivery_moved([(version_id, message.channel, message.status, Message.Status.READ)], into=counts)
    message.status = Message.Status.READ
    message.form_result = step.get("form_result") if step else None
    message.display_value = (step.get("display_value") or "") if step else ""
    fields = ["answered_button_id", "dismissed", "answered_at", "status", "form_result", "display_value"]
    if result_index is not None or message.result_index is not None:
        message.result_index = result_index if result_index is not None else message.result_index
        fields.append("result_index")
    message.save(update_fields=fields)


def message_reply_create(message: Message, *, participant_id: int | None) -> Message:
    """The answer as an inbound message in the conversation (the caption, the dismiss caption, or a
    form's value as text)."""
    reply = message_reply_build(message, participant_id=participant_id)
    reply.save(force_insert=True)
    return reply


def message_reply_build(message: Message, *, participant_id: int | None) -> Message:
    """message_reply_create's message, not saved: `messages_queue(..., replies=[it])` stores it in the
    same INSERT as the messages the answer sends."""
    return Message(
        person_id=message.person_id,
        participant_id=participant_id,
        node_id=message.node_id if participant_id else "",
        direction=Message.Direction.IN,
        channel=message.channel,
        status=Message.Status.DELIVERED,
        text=message.display_value or message.answered_caption or message.answered_button_id,
        reply_to=message,
    )


# --- uploads -------------------------------------------------------------------------------------

# Magic bytes of the image types a photo_upload accepts; the client's content type is never trusted.
IMAGE_SIGNATURES: list[tuple[str, str, bytes, int]] = [
    ("image/jpeg", "jpg", b"\xff\xd8\xff", 0),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n", 0),
    ("image/gif", "gif", b"GIF87a", 0),
    ("image/gif", "gif", b"GIF89a", 0),
]


class UploadRefused(ValueError):
    """A file that cannot be stored; the message says why, for the person."""


def sniff_image_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG, WebP or GIF recognised by its first bytes, else None."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    for content_type, extension, magic, offset in IMAGE_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return content_type, extension
    return None


def safe_file_name(name: str, extension: str) -> str:
    """The last part of a client's file name, reduced to safe characters, with the extension of the type
    found in its content (so a PNG called photo.jpg is served as photo.png)."""
    stem = PurePosixPath((name or "").replace("\\", "/")).name.rsplit(".", 1)[0]
    stem = get_valid_filename(stem) if stem.strip(" ._") else ""
    return f"{(stem or 'photo')[:80]}.{extension}"


@transaction.atomic
def upload_create(*, person: Person, file: UploadedFile) -> Upload:
    """Store an image a person uploads for a form under uploads/<uuid>/<safe name> in the default storage.

    Only JPEG, PNG, WebP and GIF, recognised by their content, up to settings.UPLOAD_MAX_BYTES. Raises
    UploadRefused with the reason otherwise.
    """
    limit = settings.UPLOAD_MAX_BYTES
    if file.size is None or file.size > limit:
        size = f"{limit / 1024 / 1024:g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
        raise UploadRefused(f"The file is larger than {size}.")
    if file.size == 0:
        raise UploadRefused("The file is empty.")
    file.seek(0)
    found = sniff_image_type(file.read(16))
    file.seek(0)
    if found is None:
        raise UploadRefused("Only JPEG, PNG, WebP and GIF images can be uploaded.")
    content_type, extension = found
    upload = Upload(person=person, content_type=content_type, size=file.size)
    upload.name = safe_file_name(file.name or "", extension)
    upload.file.save(upload.name, File(file), save=False)
    # The storage may have renamed the file to avoid a clash; the URL names what is on disk.
    upload.name = PurePosixPath(upload.file.name).name
    upload.save()
    return upload


# --- channels ---------------------------------------------------------------------------------------


def new_secret() -> str:
    """A webhook secret: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@transaction.atomic
def channel_secret_regenerate(*, channel: Channel) -> str:
    """Replace the channel's webhook secret; the gateway must be given the new one."""
    channel.secret = new_secret()
    channel.save(update_fields=["secret"])
    return channel.secret


@transaction.atomic
def channel_remove(*, channel: Channel) -> bool:
    """Delete a channel that never carried a message (True); one that did is deactivated instead (False),
    so its messages keep their channel."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    if channel.messages.exists():
        if channel.active:
            channel.active = False
            channel.save(update_fields=["active"])
        return False
    channel.delete()
    return True
