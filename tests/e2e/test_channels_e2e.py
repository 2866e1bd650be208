"""Channels end to end, on real daphne, engine worker and qcluster processes: a gateway's signed webhooks
over HTTP, the worker routing them and sending the answers to an SMS gateway on loopback and to a real
SMTP server (aiosmtpd) on loopback.

An SMS keyword starts a flow, the person answers "1" by SMS and the next step goes out by SMS; a gateway
retry is processed once; STOP stops sends. The same keyword-and-answer by email."""

import email
import hashlib
import hmac
import json
import socket
import time
from email import policy
from email.message import EmailMessage

import pytest
import requests
from aiosmtpd.controller import Controller

from engine import activation
from flowdesigner import services as flow_services
from messaging.models import Channel, Message
from tests.factories import FlowFactory
from tests.helpers import CallbackReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUR_NUMBER = "+3225550100"
PHONE = "+32470000001"
OUR_ADDRESS = "hello@shop.example"


class _Mailbox:
    """aiosmtpd handler: every message the product sends, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's naming)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def mailbox():
    handler = _Mailbox()
    # aiosmtpd checks it started by connecting to its port, so it needs a real one, not 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def gateway():
    """An SMS gateway on loopback: records each send and answers with a message id."""
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"id": f"gw-{i}"} for i in range(100)]
        yield receiver


@pytest.fixture
def live_stack_env(mailbox):
    _, port = mailbox
    return {
        "GATEWAY_ALLOWED_PRIVATE": "127.0.0.0/8",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "WORKER_POLL_SECONDS": "0.2",
    }


def node(node_id, type_name, config, exits=None):
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def keyword_flow(channel: str) -> None:
    doc = {
        "spec_version": 1,
        "nodes": [
            node(
                "in",
                "inbound_message",
                {
                    "channel": channel,
                    "recipient": "",
                    "conditions": [{"operator": "matches_text", "values": ["join"]}],
                    "capture": [],
                },
                {"next": "ask"},
            ),
            node(
                "ask",
                "message",
                {
                    "text": "Do you want our news?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
                    "channel": channel,
                },
                {"yes": "thanks", "no": "done"},
            ),
            node(
                "thanks",
                "message",
                {
                    "text": "Thanks, you are in!",
                    "buttons": [{"id": "ok", "caption": "OK"}],
                    "channel": channel,
                },
                {"ok": "done"},
            ),
            node("done", "exit", {"name": "Done"}),
        ],
    }
    flow = FlowFactory(draft_definition=doc)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    activation.flow_activate(flow_id=flow.pk)


def post_signed(base_url: str, channel: Channel, path: str, body: bytes, content_type: str) -> dict:
    signature = hmac.new(channel.secret.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(
        f"{base_url}/webhooks/{channel.uuid}/{path}/",
        data=body,
        headers={"Content-Type": content_type, "X-Signature": f"sha256={signature}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def sms_in(base_url: str, channel: Channel, gateway_id: str, text: str) -> dict:
    body = json.dumps({"id": gateway_id, "from": PHONE, "to": OUR_NUMBER, "text": text}).encode()
    return post_signed(base_url, channel, "inbound", body, "application/json")


def wait_for(predicate, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}")


def test_an_sms_keyword_starts_a_flow_answered_by_sms_once_per_delivery_until_stop(live_stack, gateway):
    channel = Channel.objects.create(
        kind="sms",
        name="Gateway",
        gateway="http",
        config={"url": gateway.url},
        identities=[OUR_NUMBER],
        secret="gateway-secret",
        creates_people=True,
    )
    keyword_flow("sms")

    assert sms_in(live_stack, channel, "in-1", "JOIN") == {"received": 1, "duplicates": 0}
    # The gateway retries the same delivery: processed once.
    assert sms_in(live_stack, channel, "in-1", "JOIN") == {"received": 0, "duplicates": 1}
    first = json.loads(wait_for(lambda: gateway.requests, "the question by SMS")[0]["body"])
    assert (first["from"], first["to"]) == (OUR_NUMBER, PHONE)
    assert first["text"].startswith("Do you want our news?") and "1" in first["text"]

    sms_in(live_stack, channel, "in-2", "1")
    wait_for(lambda: len(gateway.requests) >= 2, "the next step by SMS")
    assert json.loads(gateway.requests[1]["body"])["text"].startswith("Thanks, you are in!")
    assert len(gateway.requests) == 2  # the retried JOIN started nothing more

    sms_in(live_stack, channel, "in-3", "STOP")
    wait_for(
        lambda: Message.objects.filter(gateway_id="in-3", routing=Message.Routing.OPT_OUT).exists(),
        "the opt-out",
    )
    sms_in(live_stack, channel, "in-4", "join")
    refused = wait_for(
        lambda: Message.objects.filter(direction="out", status=Message.Status.FAILED).first(),
        "a refused send",
    )
    assert "opted out" in refused.error
    assert len(gateway.requests) == 2


def test_an_email_keyword_starts_a_flow_answered_by_email(live_stack, mailbox):
    handler, _ = mailbox
    channel = Channel.objects.create(
        kind="email",
        name="Mailbox",
        gateway="smtp",
        identities=[OUR_ADDRESS],
        secret="mail-secret",
        creates_people=True,
    )
    keyword_flow("email")

    def mail(message_id: str, text: str) -> bytes:
        message = EmailMessage()
        message["From"] = "Ann <ann@example.com>"
        message["To"] = OUR_ADDRESS
        message["Subject"] = "Hello"
        message["Message-ID"] = message_id
        message.set_content(text)
        return bytes(message)

    post_signed(live_stack, channel, "inbound", mail("<m1@example.com>", "join"), "message/rfc822")
    question = wait_for(lambda: handler.messages, "the question by email")[0]
    assert (question["From"], question["To"]) == (OUR_ADDRESS, "ann@example.com")
    assert question.get_content().startswith("Do you want our news?")

    reply = f"1\n\nOn Monday, {OUR_ADDRESS} wrote:\n> Do you want our news?\n> Reply 1 for Yes, 2 for No\n"
    post_signed(live_stack, channel, "inbound", mail("<m2@example.com>", reply), "message/rfc822")
    wait_for(lambda: len(handler.messages) >= 2, "the next step by email")
    assert handler.messages[1].get_content().startswith("Thanks, you are in!")
