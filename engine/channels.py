"""Which channel a flow's message goes out on, and from which of our numbers or addresses.

A Message or Form message step names its channel: the web inbox, SMS, email, or the person's preferred
one. For SMS and email the message also needs the gateway account (`messaging.models.Channel`), the
person's number or address, and our own identity to send from: the one the person last wrote to on that
kind of channel (a reply comes from the number they texted), else the first active account of that kind.

The person's preferred channel: the custom attribute `preferred_channel` when it names a channel they
can be reached on, else the kind they last wrote to us on, else the web inbox when they have a login,
else SMS when they have a phone number, else email when they have an address, else the web inbox.

`routes_apply` settles the messages of one advance together (a launch batch of SMS costs a few queries,
not a few per person); web messages, the common case, cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from messaging.models import Channel, Message
from people.models import Person
from people.selectors import person_snapshots

WEB = "web"
TEXT_KINDS = (Channel.Kind.SMS, Channel.Kind.EMAIL)
PREFERRED = "preferred"
PREFERRED_ATTRIBUTE = "preferred_channel"


def routes_apply(messages: Iterable[Message]) -> None:
    """Set channel, account, address and identity of unsaved outbound messages whose `channel` is what
    their step asked for ("web", "sms", "email" or "preferred")."""
    pending = [m for m in messages if m.channel not in ("", WEB)]
    if not pending:
        return
    person_ids = sorted({m.person_id for m in pending})
    contacts = {
        pk: (phone or "", (email or "").lower(), user_id is not None)
        for pk, phone, email, user_id in Person.objects.filter(pk__in=person_ids).values_list(
            "pk", "phone", "email", "user_id"
        )
    }
    accounts: dict[str, Channel] = {}
    for account in Channel.objects.filter(active=True).order_by("pk"):
        accounts.setdefault(account.kind, account)
    # What each person last wrote to us on, per kind: (kind, account, our identity), newest first.
    last: dict[int, list[tuple[str, int | None, str]]] = {}
    rows = (
        Message.objects.filter(person_id__in=person_ids, direction=Message.Direction.IN)
        .exclude(channel=Channel.Kind.VOICE)
        .order_by("-id")
        .values_list("person_id", "channel", "transport_id", "transport__active", "identity")
    )
    for person_id, kind, transport_id, active, identity in rows.iterator():
        last.setdefault(person_id, []).append((kind, transport_id if active else None, identity))
    wants_preferred = sorted({m.person_id for m in pending if m.channel == PREFERRED})
    snapshots = person_snapshots(wants_preferred) if wants_preferred else {}

    def reachable(person_id: int, kind: str) -> bool:
        phone, email, login = contacts.get(person_id, ("", "", False))
        if kind == WEB:
            return login
        address = phone if kind == Channel.Kind.SMS else email if kind == Channel.Kind.EMAIL else ""
        return bool(address) and kind in accounts

    def preferred(person_id: int) -> str:
        chosen = str(snapshots.get(person_id, {}).get(PREFERRED_ATTRIBUTE) or "").strip().lower()
        if chosen in (WEB, *TEXT_KINDS) and reachable(person_id, chosen):
            return chosen
        wrote = next(iter(last.get(person_id, [])), None)
        if wrote is not None and reachable(person_id, wrote[0]):
            return wrote[0]
        return next((k for k in (WEB, Channel.Kind.SMS, Channel.Kind.EMAIL) if reachable(person_id, k)), WEB)

    for message in pending:
        kind = preferred(message.person_id) if message.channel == PREFERRED else message.channel
        message.channel = kind
        if kind == WEB:
            continue
        phone, email, _ = contacts.get(message.person_id, ("", "", False))
        message.address = phone if kind == Channel.Kind.SMS else email
        wrote = next((w for w in last.get(message.person_id, []) if w[0] == kind and w[1]), None)
        if wrote is not None:
            message.transport_id, message.identity = wrote[1], wrote[2]
        elif kind in accounts:
            account = accounts[kind]
            message.transport_id, message.identity = account.pk, (account.identities or [""])[0]
        # Else no active account of that kind: the send fails with that reason (messaging/delivery.py).
