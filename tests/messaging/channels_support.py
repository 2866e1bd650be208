"""Shared pieces of the channel tests: channels, signed webhook posts, queued outbound messages, real
servers on 127.0.0.1 (an HTTP gateway that never answers, an SMTP server), and the outbox as time passes."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from messaging import signatures
from messaging.models import Channel, Message
from messaging.services import message_out_build, messages_queue
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain

SECRET = "gateway-secret"
OUR_NUMBER = "+32470000001"
OUR_ADDRESS = "news@flow.example"


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    # Our loopback gateways are "internal": allowed explicitly, as an operator would.
    settings.GATEWAY_ALLOWED_PRIVATE = ["127.0.0.0/8"]
    settings.MESSAGE_SEND_BACKOFF_SECONDS = 10
    settings.MESSAGE_SEND_MAX_ATTEMPTS = 6


def make_channel(kind: str = "sms", *, gateway: str = "simulator", **fields) -> Channel:
    identities = [OUR_ADDRESS] if kind == "email" else [OUR_NUMBER]
    values = {
        "name": f"{kind} {gateway} {Channel.objects.count() + 1}",
        "identities": identities,
        "secret": SECRET,
        **fields,
    }
    return Channel.objects.create(kind=kind, gateway=gateway, **values)


def signed_post(
    client, channel: Channel, endpoint: str, body: bytes | dict, *, secret: str | None = None, **kw
):
    """POST `body` to /webhooks/<uuid>/<endpoint>/ signed with the channel's secret (or `secret`)."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    content_type = kw.pop("content_type", "application/json")
    signature = signatures.sign(raw, channel.secret if secret is None else secret)
    return client.post(
        f"/webhooks/{channel.uuid}/{endpoint}/",
        data=raw,
        content_type=content_type,
        headers={"X-Signature": signature},
        **kw,
    )


def queue_message(
    capture, person, channel: Channel | None, *, kind: str = "sms", text: str = "Coming on Friday?"
) -> Message:
    """Queue one outbound message on `channel` the way the engine does, and run what the commit triggers
    (OUTBOX_RELAY_ALL: the send happens now)."""
    buttons = [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}]
    with capture(execute=True):
        message = message_out_build(
            person_id=person.pk,
            participant=None,
            node_id="ask",
            text=text,
            buttons=buttons,
            options={"allow_dismiss": False},
            channel=kind,
            transport_id=channel.pk if channel else None,
        )
        messages_queue([message])
    message.refresh_from_db()
    return message


def pending_sends() -> list[OutboxEvent]:
    return list(OutboxEvent.objects.filter(topic="messages.send", done_at__isnull=True, dead_at__isnull=True))


def time_passes(capture) -> None:
    """Every pending outbox event is due now; the worker handles them."""
    OutboxEvent.objects.filter(done_at__isnull=True).update(available_at=timezone.now())
    with capture(execute=True):
        drain()


class SilentGateway:
    """A TCP port on 127.0.0.1 that takes connections and never answers (a hung gateway)."""

    def __enter__(self) -> SilentGateway:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(16)  # never accepted: the kernel completes the handshake, nobody reads
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}/send"
        return self

    def __exit__(self, *exc) -> None:
        self.socket.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives. `refuse_rcpt` and
    `data_reply` make it answer RCPT or DATA with that reply instead of accepting."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse_rcpt = ""
        self.data_reply = ""
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd)
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
