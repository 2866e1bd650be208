"""Which channel a flow's message goes out on, and from which of our numbers or addresses.

A Message or Form message step names its channel: the web inbox, SMS, email, or the person's preferred
one. For SMS and email the message also needs the gateway account (`messaging.models.Channel`), the
person's number or address, and our own identity to send from: the one the person last wrote to on that
kind of channel (a reply comes from the number they texted), else the first active account of that kind.

The person's preferred channel: the custom attribute `preferred_channel` when it names a channel they
can be reached on, else the kind they last wrote to us on, else the web inbox when they have a login,
else SMS when they have a phone number, else email when they have an address, else the web inbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from messaging.models import Channel, Message
from people.models import Person
from people.selectors import person_snapshots

WEB = "web"
TEXT_KINDS = (Channel.Kind.SMS, Channel.Kind.EMAIL)
PREFERRED = "preferred"
PREFERRED_ATTRIBUTE = "preferred_channel"


@dataclass(frozen=True)
class Route:
    """Where one message goes: `kind` web, sms or email; for sms/email the account (None when no active
    account of that kind exists: the send then fails with that reason), the address and our identity."""

    kind: str
    transport_id: int | None = None
    address: str = ""
    identity: str = ""


class Routes:
    """Routes for the messages of one advance (a launch batch, one answer), looked up once per person
    and kind. Web messages, the common case, cost nothing."""

    def __init__(self) -> None:
        self._contacts: dict[int, tuple[str, str, bool]] = {}
        self._routes: dict[tuple[int, str], Route] = {}
        self._accounts: dict[str, Channel | None] | None = None

    def route(self, person_id: int, wanted: str) -> Route:
        if wanted == WEB or not wanted:
            return Route(WEB)
        key = (person_id, wanted)
        if key not in self._routes:
            kind = self._preferred(person_id) if wanted == PREFERRED else wanted
            self._routes[key] = Route(WEB) if kind == WEB else self._text_route(person_id, kind)
        return self._routes[key]

    def _contact(self, person_id: int) -> tuple[str, str, bool]:
        """(phone, email, has an inbox login) of a person."""
        if person_id not in self._contacts:
            row = Person.objects.filter(pk=person_id).values_list("phone", "email", "user_id").first()
            phone, email, user_id = row or ("", "", None)
            self._contacts[person_id] = (phone or "", (email or "").lower(), user_id is not None)
        return self._contacts[person_id]

    def _reachable(self, person_id: int, kind: str) -> bool:
        phone, email, login = self._contact(person_id)
        if kind == WEB:
            return login
        if kind == Channel.Kind.SMS:
            return bool(phone) and self._account(kind) is not None
        if kind == Channel.Kind.EMAIL:
            return bool(email) and self._account(kind) is not None
        return False

    def _preferred(self, person_id: int) -> str:
        snapshot = person_snapshots([person_id]).get(person_id, {})
        chosen = str(snapshot.get(PREFERRED_ATTRIBUTE) or "").strip().lower()
        if chosen in (WEB, *TEXT_KINDS) and self._reachable(person_id, chosen):
            return chosen
        last = (
            Message.objects.filter(person_id=person_id, direction=Message.Direction.IN)
            .exclude(channel=Channel.Kind.VOICE)
            .order_by("-id")
            .values_list("channel", flat=True)
            .first()
        )
        if last and self._reachable(person_id, last):
            return last
        for kind in (WEB, Channel.Kind.SMS, Channel.Kind.EMAIL):
            if self._reachable(person_id, kind):
                return kind
        return WEB

    def _account(self, kind: str) -> Channel | None:
        if self._accounts is None:
            self._accounts = {}
            for channel in Channel.objects.filter(active=True).order_by("pk"):
                self._accounts.setdefault(channel.kind, channel)
        return self._accounts.get(kind)

    def _text_route(self, person_id: int, kind: str) -> Route:
        phone, email, _ = self._contact(person_id)
        address = phone if kind == Channel.Kind.SMS else email
        last = (
            Message.objects.filter(
                person_id=person_id,
                direction=Message.Direction.IN,
                channel=kind,
                transport__active=True,
            )
            .order_by("-id")
            .values_list("transport_id", "identity")
            .first()
        )
        if last is not None:
            return Route(kind, last[0], address, last[1])
        account = self._account(kind)
        if account is None:
            return Route(kind, None, address, "")
        return Route(kind, account.pk, address, (account.identities or [""])[0])
