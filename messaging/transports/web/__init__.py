"""The web inbox: a message is "sent" the moment it is stored (the inbox shows it on its next sync), and
pushed to the person's Channels group (`inbox.person.<id>`) when they have a socket open; any daphne
process holding one forwards it. The same push tells open pages that a message changed (answered,
expired, delivered, failed).

A push costs nothing for people without an open socket (the presence rows, messaging/presence.py, are
read once per batch and name each open socket's channel), and the payloads of messages this process has
just written are built from the rows in memory (`remember`), never read back. Sockets this very process
holds get their messages in-process (`presence.deliver_here`); the rest of a batch goes to the channel
layer in one call (messaging/layers.py `send_many`)."""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable

from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Q

from messaging.layers import send_many
from messaging.models import Message
from messaging.presence import deliver_here, inbox_channels
from messaging.selectors import message_payloads, messages_with_versions

WEB = "web"

# Messages written by this process, kept from their commit until the push right after it (the outbox's
# inline relay) so their payloads need no query. Only that long: an entry older than FRESH_SECONDS may
# have changed since in another process, and a push is then built from the database.
FRESH_SECONDS = 2.0
FRESH_MAX = 10_000
_fresh: OrderedDict[int, tuple[float, Message]] = OrderedDict()
_fresh_lock = threading.Lock()


def inbox_group(person_id: int) -> str:
    return f"inbox.person.{person_id}"


def remember(messages: Iterable[Message]) -> None:
    """Keep these web messages' current rows for their push, once the caller's transaction commits (a
    rolled-back write is never pushed from memory)."""
    web = [m for m in messages if m.channel == WEB and m.person_id is not None]
    if not web:
        return

    def keep() -> None:
        now = time.monotonic()
        with _fresh_lock:
            for message in web:
                _fresh[message.pk] = (now, message)
                _fresh.move_to_end(message.pk)
            while len(_fresh) > FRESH_MAX:
                _fresh.popitem(last=False)

    transaction.on_commit(keep)


def _take_fresh(message_ids: list[int]) -> dict[int, Message]:
    oldest = time.monotonic() - FRESH_SECONDS
    found = {}
    with _fresh_lock:
        for pk in message_ids:
            entry = _fresh.pop(pk, None)
            if entry is not None and entry[0] >= oldest:
                found[pk] = entry[1]
    return found


def messages_dispatch(message_ids: list[int], person_ids: list[int] | None = None) -> None:
    """Push web messages (new or changed) to the open inboxes of their persons (`person_ids`: the persons
    of these messages, when the caller knows them; else they are looked up). Runs after commit, outside
    any transaction (the SQLite channel layer writes to the same database), by the outbox handler of
    "messages.dispatch". Messages of other channels are not pushed to the inbox (the person reads them on
    their phone or in their mailbox): their transport sends them (messaging/delivery.py)."""
    fresh = _take_fresh(message_ids)
    if person_ids is None:
        known = {m.person_id for m in fresh.values()}
        rest = [pk for pk in message_ids if pk not in fresh]
        if rest:
            known.update(Message.objects.filter(pk__in=rest).values_list("person_id", flat=True))
        person_ids = list(known - {None})
    online = inbox_channels(person_ids)
    if not online:
        return
    messages = [m for m in fresh.values() if m.person_id in online]
    missing = [pk for pk in message_ids if pk not in fresh]
    if missing:
        # What the person wrote in the composer is pushed too, so their other open tabs show it.
        written = Q(direction=Message.Direction.IN) & ~Q(routing="")
        messages += messages_with_versions(
            Message.objects.filter(
                Q(direction=Message.Direction.OUT) | written,
                pk__in=missing,
                channel=WEB,
                person_id__in=list(online),
            )
        )
    messages = [m for m in messages if m.channel == WEB and _pushable(m)]
    messages.sort(key=lambda m: m.pk)
    # Each socket gets its own event (a consumer may keep what it is handed).
    deliveries = [
        (channel, {"type": "inbox.message", "message": payload})
        for message, payload in zip(messages, message_payloads(messages), strict=True)
        for channel in online[message.person_id]
    ]
    if deliveries:
        layer = get_channel_layer()
        send_many(layer, deliver_here(layer, deliveries))


def _pushable(message: Message) -> bool:
    return message.direction == Message.Direction.OUT or bool(message.routing)
