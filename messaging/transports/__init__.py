"""Channel transports: how a message leaves on a Channel (a gateway account) and what its gateway sends
back. One package per kind (sms/, email/, voice/, web/), plus the built-in simulator for any kind.

`transport_for(channel)` picks the transport by the channel's kind and gateway. A transport's `send`
returns the gateway's id of the message or raises SendFailed; messaging/delivery.py claims, retries and
records. Modules are imported when first asked for, so importing this package pulls in no gateway code
(messaging.services imports web/ from here, and the simulator imports messaging.inbound, which imports
messaging.services).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass

from messaging.models import Channel, Message

# (kind, gateway) -> "module:Class". The simulator stands in for any kind's real gateway.
REGISTRY: dict[tuple[str, str], str] = {
    ("sms", "http"): "messaging.transports.sms.http_gateway:HttpGateway",
    ("voice", "http"): "messaging.transports.sms.http_gateway:HttpGateway",
    ("email", "smtp"): "messaging.transports.email.smtp:Smtp",
    ("sms", "simulator"): "messaging.transports.simulator:Simulator",
    ("email", "simulator"): "messaging.transports.simulator:Simulator",
    ("voice", "simulator"): "messaging.transports.simulator:Simulator",
}


class SendFailed(Exception):
    """A send that did not happen. `reason` is shown to staff on the message; `retry` says whether trying
    again later may succeed (a timeout, 5xx, 429, an SMTP 4xx) or never will (4xx, a refused recipient)."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class BodyInvalid(ValueError):
    """A webhook body that cannot be read; the message names the field and the item (answered 400)."""


@dataclass(frozen=True)
class InboundItem:
    """One message a gateway delivered to us: its id at the gateway, the sender (E.164 phone or lower-cased
    email address), the recipient (one of our identities) and the text."""

    gateway_id: str
    sender: str
    recipient: str
    text: str


class Transport(ABC):
    """A way to send. Subclasses set `name` and implement `send`; `config_problems` checks the channel's
    `config` for the pages; `sent` runs after a successful send is recorded (the simulator's report)."""

    name = ""

    @abstractmethod
    def send(self, message: Message, channel: Channel) -> str:
        """Send `message` (its `address` and `identity` filled in) and return the gateway's id for it.
        Raises SendFailed."""

    def config_problems(self, channel: Channel) -> list[str]:
        """What is wrong with `channel.config` for this transport ([] when it can be used)."""
        return []

    def sent(self, message: Message, channel: Channel) -> None:  # noqa: B027 (a hook: most transports need none)
        """Called after the send was recorded (status sent, gateway_id stored), outside any transaction."""


_instances: dict[str, Transport] = {}


def transport_for(channel: Channel) -> Transport:
    """The transport of `channel` (by its kind and gateway). Raises LookupError for a combination no
    transport serves (e.g. email over "http")."""
    path = REGISTRY.get((channel.kind, channel.gateway))
    if path is None:
        raise LookupError(
            f"No transport sends {channel.get_kind_display()} through {channel.get_gateway_display()}."
        )
    if path not in _instances:
        module, name = path.split(":")
        _instances[path] = getattr(importlib.import_module(module), name)()
    return _instances[path]


def channel_config_problems(channel: Channel) -> list[str]:
    """Everything that keeps `channel` from working, for the channel pages: the kind and gateway pair,
    the identities (E.164 numbers for SMS and voice, addresses for email), and the transport's config."""
    try:
        transport = transport_for(channel)
    except LookupError as exc:
        return [str(exc)]
    return identity_problems(channel) + transport.config_problems(channel)


def identity_problems(channel: Channel) -> list[str]:
    """Problems with `channel.identities`: a list of our numbers (E.164) or email addresses."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from people.attributes import AttributeValueError, normalise_phone

    identities = channel.identities
    if not isinstance(identities, list) or not all(isinstance(i, str) for i in identities):
        return ["Identities must be a list of texts."]
    if not identities:
        what = "email address" if channel.kind == Channel.Kind.EMAIL else "phone number"
        return [f"Add at least one {what} to send from."]
    problems = []
    for identity in identities:
        if channel.kind == Channel.Kind.EMAIL:
            try:
                validate_email(identity)
            except ValidationError:
                problems.append(f"{identity!r} is not an email address.")
        else:
            try:
                if normalise_phone(identity) != identity:
                    problems.append(f"Write the number {identity!r} in E.164, e.g. +32470123456.")
            except AttributeValueError:
                problems.append(f"{identity!r} is not a valid phone number.")
    return problems


def outbound_text(message: Message) -> str:
    """The text of `message` for a channel without buttons: its text and its choices numbered, so the
    person answers with a number (engine.core.text_replies)."""
    # Imported here: engine.core is pure Python, and the module is someone else's to grow.
    from engine.core.text_replies import numbered_text

    options = message.option_values
    return numbered_text(
        message.text,
        message.buttons,
        allow_dismiss=options["allow_dismiss"],
        dismiss_caption=options["dismiss_caption"],
        form=message.form,
    )
