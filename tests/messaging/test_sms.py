"""Outbound SMS through a real HTTP gateway on 127.0.0.1: what it receives, retries, failures."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from messaging import signatures
from messaging.delivery import messages_send
from messaging.models import Message
from messaging.transports import channel_config_problems
from tests.factories import PersonFactory
from tests.helpers import CallbackReceiver
from tests.messaging.channels_support import (
    OUR_NUMBER,
    SECRET,
    SilentGateway,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    make_channel,
    pending_sends,
    queue_message,
    time_passes,
)

pytestmark = pytest.mark.django_db
PHONE = "+32470123456"


def http_channel(url: str, **config):
    return make_channel("sms", gateway="http", config={"url": url, **config})


def test_the_gateway_gets_the_signed_message_with_numbered_choices(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.bodies.append({"id": "gw-1"})
        channel = http_channel(gateway.url, headers={"Authorization": "Bearer abc", "X-Signature": "forged"})
        message = queue_message(django_capture_on_commit_callbacks, person, channel)

    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert json.loads(request["body"]) == {
        "from": OUR_NUMBER,
        "to": PHONE,
        "text": "Coming on Friday?\n\nReply 1 for Yes, 2 for No",
        "reference": str(message.pk),
    }
    # Signed with the channel's secret; a configured header cannot replace the signature.
    assert request["headers"]["X-Signature"] == signatures.sign(request["body"], SECRET)
    assert request["headers"]["Authorization"] == "Bearer abc"
    assert request["headers"]["Content-Type"] == "application/json"
    assert message.status == "sent"
    assert message.gateway_id == "gw-1"
    assert message.address == PHONE and message.identity == OUR_NUMBER
    assert message.sent_at is not None and message.status_at is not None
    assert message.attempts == 1 and message.error == ""


def test_a_server_error_is_retried_after_the_backoff_then_sent(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.statuses.append(500)
        gateway.bodies.extend([{"error": "busy"}, {"id": "gw-2"}])
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

        assert message.status == "queued"
        assert message.attempts == 1
        assert message.error.startswith("The gateway answered HTTP 500")
        (retry,) = pending_sends()
        assert retry.payload == {"ids": [message.pk]}
        wait = retry.available_at - timezone.now()
        assert timedelta(seconds=8) < wait <= timedelta(seconds=10)

        time_passes(django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert len(gateway.requests) == 2
    assert message.status == "sent" and message.gateway_id == "gw-2"
    assert message.attempts == 2 and message.error == ""
    assert pending_sends() == []


def test_a_gateway_that_never_answers_is_retried(settings, django_capture_on_commit_callbacks):
    settings.GATEWAY_TIMEOUT_SECONDS = 0.3
    person = PersonFactory(phone=PHONE)
    with SilentGateway() as gateway:
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

    assert message.status == "queued"
    assert message.error == "The gateway could not be reached: Timed out after 0.3 s"
    assert len(pending_sends()) == 1


def test_a_refused_connection_is_retried(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with SilentGateway() as gateway:
        url = gateway.url
    message = queue_message(django_capture_on_commit_callbacks, person, http_channel(url))

    assert message.status == "queued"
    assert message.error == "The gateway could not be reached: Connection refused"
    assert len(pending_sends()) == 1


def test_a_client_error_fails_at_once_with_the_gateway_reason(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.statuses.append(400)
        gateway.bodies.append({"error": "unknown destination"})
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

    assert message.status == "failed"
    assert message.error == 'The gateway refused the message (HTTP 400): {"error": "unknown destination"}'
    assert pending_sends() == []


def test_after_the_last_attempt_the_message_fails(settings, django_capture_on_commit_callbacks):
    settings.MESSAGE_SEND_MAX_ATTEMPTS = 3
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.statuses.extend([503, 503, 503, 200])
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))
        time_passes(django_capture_on_commit_callbacks)
        time_passes(django_capture_on_commit_callbacks)
        time_passes(django_capture_on_commit_callbacks)

    message.refresh_from_db()
    assert len(gateway.requests) == 3
    assert message.status == "failed"
    assert message.attempts == 3
    assert message.error == 'The gateway answered HTTP 503: {"ok": false} (gave up after 3 attempts)'


def test_the_backoff_doubles(settings, django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.statuses.extend([502, 502])
        queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))
        time_passes(django_capture_on_commit_callbacks)
        (retry,) = pending_sends()
    wait = retry.available_at - timezone.now()
    assert timedelta(seconds=18) < wait <= timedelta(seconds=20)


def test_an_answer_without_an_id_fails(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.bodies.append({"status": "accepted"})
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

    assert message.status == "failed"
    assert message.error == "The gateway answered without a message id"


def test_a_person_without_a_phone_number_gets_nothing(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=None)
    with CallbackReceiver() as gateway:
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

    assert gateway.requests == []
    assert message.status == "failed"
    assert message.error == "Not sent: the person has no phone number"
    assert message.attempts == 0


def test_a_message_without_an_active_channel_fails_with_the_reason(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    message = queue_message(django_capture_on_commit_callbacks, person, None)

    assert message.status == "failed"
    assert message.error == "Not sent: there is no active SMS channel"


def test_an_internal_gateway_address_is_refused_unless_allowed(settings, django_capture_on_commit_callbacks):
    settings.GATEWAY_ALLOWED_PRIVATE = []
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))

    assert gateway.requests == []
    assert message.status == "failed"
    assert "GATEWAY_ALLOWED_PRIVATE" in message.error
    assert message.error.startswith("The gateway URL is refused: 127.0.0.1 is an internal address")


def test_handling_the_same_send_event_again_sends_nothing_twice(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        gateway.bodies.append({"id": "gw-3"})
        message = queue_message(django_capture_on_commit_callbacks, person, http_channel(gateway.url))
        messages_send([message.pk])

    assert len(gateway.requests) == 1
    assert Message.objects.get(pk=message.pk).attempts == 1


def test_config_problems_name_what_to_fix():
    channel = make_channel("sms", gateway="http", config={"url": "ftp://gw.example/send"})
    assert channel_config_problems(channel) == [
        "The gateway URL must start with https:// or http:// and name a host."
    ]

    channel.config = {"headers": {"Bad Name": "x", "X-Ok": "a\nb", "Content-Type": "text/plain"}}
    channel.identities = ["0470 12 34 56"]
    assert channel_config_problems(channel) == [
        "Write the number '0470 12 34 56' in E.164, e.g. +32470123456.",
        "Enter the URL of the gateway (https://...).",
        "The header name 'Bad Name' is not valid.",
        "The header 'X-Ok' has a line break in its value.",
        "The header 'Content-Type' is set by Flowdesigner itself.",
    ]

    channel.config, channel.identities = {"url": "https://gw.example/send"}, [OUR_NUMBER]
    assert channel_config_problems(channel) == []
    channel.kind = "email"
    assert channel_config_problems(channel) == ["No transport sends Email through HTTP gateway."]
