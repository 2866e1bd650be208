"""Reads for the staff pages of channels: the channel list with its webhook URLs, the gateway simulator's
conversations, and the unhandled inbound messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypedDict

from django.db.models import Count, QuerySet
from django.http import HttpRequest

from messaging.models import Channel, Message
from messaging.transports import outbound_text

# The simulator page shows this many of each channel's newest messages (older ones drop off the page).
SIMULATOR_MESSAGES = 500


class WebhookUrl(TypedDict):
    label: str
    url: str


def webhook_urls(request: HttpRequest, channel: Channel) -> list[WebhookUrl]:
    """The absolute URLs a gateway posts to for this channel: inbound messages (SMS, email) or calls (voice),
    and delivery reports."""
    base = request.build_absolute_uri(f"/webhooks/{channel.uuid}/")
    first = (
        {"label": "Calls", "url": f"{base}calls/"}
        if channel.kind == Channel.Kind.VOICE
        else {"label": "Inbound messages", "url": f"{base}inbound/"}
    )
    return [first, {"label": "Delivery reports", "url": f"{base}reports/"}]


def channels_with_counts() -> QuerySet[Channel]:
    """Every channel with `message_count` (how many messages went through it)."""
    return Channel.objects.annotate(message_count=Count("messages"))


def unhandled_messages() -> QuerySet[Message]:
    """Inbound messages nothing took (no waiting step, no flow entry), newest first."""
    return (
        Message.objects.filter(direction=Message.Direction.IN, routing=Message.Routing.UNHANDLED)
        .select_related("transport", "person")
        .order_by("-id")
    )


# --- the gateway simulator ------------------------------------------------------------------------------


class SimulatedMessage(TypedDict):
    id: int
    direction: str  # "out": the product sent it; "in": the person's reply or call
    text: str  # as the gateway got it: the numbered text for SMS and email
    status: str
    error: str
    at: str  # ISO 8601
    identity: str


@dataclass
class Conversation:
    """The messages between one number or address and a simulator channel, oldest first."""

    address: str
    person_id: int | None = None
    person_name: str = ""
    messages: list[SimulatedMessage] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """Our number or address this conversation last used: where a reply goes by default."""
        return next((m["identity"] for m in reversed(self.messages) if m["identity"]), "")

    def as_json(self) -> dict:
        return {
            "address": self.address,
            "person_id": self.person_id,
            "person_name": self.person_name,
            "identity": self.identity,
            "messages": self.messages,
        }


def gateway_text(message: Message) -> str:
    """What the gateway got for an outbound message: for SMS and email the text with its options numbered
    ("Reply 1 for Yes, 2 for No"), by the very function the transports send with."""
    if message.direction == Message.Direction.OUT and message.channel in (
        Channel.Kind.SMS,
        Channel.Kind.EMAIL,
    ):
        return outbound_text(message)
    return message.text


def simulator_channels() -> list[Channel]:
    """The channels carried by the built-in simulator, active ones first."""
    return list(Channel.objects.filter(gateway=Channel.Gateway.SIMULATOR).order_by("-active", "kind", "name"))


def simulator_conversations(channel: Channel) -> list[Conversation]:
    """The channel's conversations, one per number or address, the most recently active first; each with
    its messages oldest first (the newest SIMULATOR_MESSAGES of the channel)."""
    rows = list(
        Message.objects.filter(transport=channel)
        .exclude(address="")
        .select_related("person")
        .order_by("-id")[:SIMULATOR_MESSAGES]
    )
    conversations: dict[str, Conversation] = {}
    for message in reversed(rows):
        conversation = conversations.setdefault(message.address, Conversation(address=message.address))
        if message.person_id is not None:
            conversation.person_id = message.person_id
            conversation.person_name = str(message.person)
        conversation.messages.append(
            {
                "id": message.pk,
                "direction": message.direction,
                "text": gateway_text(message),
                "status": message.status,
                "error": message.error,
                "at": message.created_at.isoformat(),
                "identity": message.identity,
            }
        )
    return sorted(conversations.values(), key=lambda c: c.messages[-1]["id"], reverse=True)
