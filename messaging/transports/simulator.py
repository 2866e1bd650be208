"""The built-in gateway simulator (gateway "simulator", any kind): nothing leaves the machine.

A send succeeds at once with the id "sim-<hex>", and the simulator then reports the message delivered
through `reports_receive` with a signed body, the path a real gateway's report takes. Staff play the
person on the simulator page: `simulator_reply` and `simulator_call` build what a real gateway would POST
(JSON for SMS, an RFC 822 reply for email, a call for voice), sign it with the channel's secret and hand
it to the same receiving code as the webhooks.
"""

from __future__ import annotations

import json
import uuid

from messaging import signatures
from messaging.inbound import Received, call_receive, inbound_receive, reports_receive
from messaging.models import Channel, Message
from messaging.transports import Transport


class Simulator(Transport):
    name = "simulator"

    def send(self, message: Message, channel: Channel) -> str:
        return f"sim-{uuid.uuid4().hex}"

    def sent(self, message: Message, channel: Channel) -> None:
        body = json.dumps({"id": message.gateway_id, "status": "delivered"}).encode()
        reports_receive(channel, body, _signed(body, channel))


def simulator_reply(channel: Channel, *, sender: str, recipient: str, text: str) -> Received:
    """A person's message to `recipient` (one of our identities) on a simulator SMS or email channel, as a
    gateway would deliver it. An email answers our last message to that address (In-Reply-To, "Re:")."""
    _check(channel)
    if channel.kind == Channel.Kind.SMS:
        body = json.dumps(
            {"id": f"sim-in-{uuid.uuid4().hex}", "from": sender, "to": recipient, "text": text}
        ).encode()
    elif channel.kind == Channel.Kind.EMAIL:
        from messaging.transports.email.rfc822 import reply_build
        from messaging.transports.email.smtp import DEFAULT_SUBJECT

        last = (
            Message.objects.filter(
                transport=channel, direction=Message.Direction.OUT, address__iexact=sender.strip()
            )
            .exclude(gateway_id="")
            .order_by("-pk")
            .first()
        )
        subject = channel.config.get("subject") or DEFAULT_SUBJECT
        body = reply_build(
            sender=sender,
            recipient=recipient,
            subject=f"Re: {subject}" if last else subject,
            text=text,
            in_reply_to=last.gateway_id if last else "",
        )
    else:
        raise ValueError("A voice channel takes calls, not messages: use simulator_call.")
    return inbound_receive(channel, body, _signed(body, channel))


def simulator_call(channel: Channel, *, caller: str, recipient: str) -> Received:
    """A person calling `recipient` (one of our numbers) on a simulator voice channel."""
    _check(channel)
    if channel.kind != Channel.Kind.VOICE:
        raise ValueError(f"Only a voice channel takes calls, not {channel.get_kind_display()}.")
    body = json.dumps({"call_id": f"sim-call-{uuid.uuid4().hex}", "from": caller, "to": recipient}).encode()
    return call_receive(channel, body, _signed(body, channel))


def _check(channel: Channel) -> None:
    # Simulated traffic on a real gateway's account would mix invented messages with real ones.
    if channel.gateway != Channel.Gateway.SIMULATOR:
        raise ValueError(f'The channel "{channel.name}" is carried by a real gateway, not the simulator.')


def _signed(body: bytes, channel: Channel) -> dict[str, str]:
    return {signatures.HEADER: signatures.sign(body, channel.secret)}
