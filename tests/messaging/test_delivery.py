"""Which outbox event sends which message, opt-outs seen by the sender, and the web inbox's composer."""

import pytest

from messaging.inbound import opted_out, web_inbound
from messaging.models import Message
from people.outbox.models import OutboxEvent
from tests.factories import PersonFactory
from tests.helpers import CallbackReceiver
from tests.messaging.channels_support import (
    OUR_NUMBER,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    make_channel,
    queue_message,
    signed_post,
)

pytestmark = pytest.mark.django_db
PHONE = "+32470123456"


def test_web_messages_are_pushed_and_other_channels_are_sent():
    from messaging.services import message_out_build, messages_queue

    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")
    build = dict(person_id=person.pk, participant=None, node_id="n", text="Hi", buttons=[], options={})
    web = message_out_build(**build)
    text = message_out_build(**build, channel="sms", transport_id=channel.pk)

    messages_queue([web, text])

    topics = {e.topic: e.payload for e in OutboxEvent.objects.all()}
    assert topics == {
        "messages.dispatch": {"ids": [web.pk], "persons": [web.person_id]},
        "messages.send": {"ids": [text.pk]},
    }


def test_pushing_an_sms_message_does_not_mark_it_sent(django_capture_on_commit_callbacks):
    from messaging.services import messages_push

    person = PersonFactory(phone=PHONE)
    message = Message.objects.create(person=person, direction="out", channel="sms", text="Hi")

    with django_capture_on_commit_callbacks(execute=True):
        messages_push([message.pk])

    message.refresh_from_db()
    assert message.status == "queued"  # only its transport sends it


def test_after_stop_a_send_fails_and_after_start_it_goes_out(client, django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    with CallbackReceiver() as gateway:
        channel = make_channel("sms", gateway="http", config={"url": gateway.url})
        reply = {"id": "in-1", "from": PHONE, "to": OUR_NUMBER, "text": "STOP"}
        signed_post(client, channel, "inbound", reply)
        assert opted_out(person.pk, "sms")

        refused = queue_message(django_capture_on_commit_callbacks, person, channel)

        signed_post(client, channel, "inbound", {**reply, "id": "in-2", "text": "start"})
        gateway.bodies.append({"id": "gw-9"})
        sent = queue_message(django_capture_on_commit_callbacks, person, channel)

    assert refused.status == "failed"
    assert refused.error == "Not sent: the person opted out of SMS (replied STOP)"
    assert not opted_out(person.pk, "sms")
    assert sent.status == "sent" and sent.gateway_id == "gw-9"
    assert len(gateway.requests) == 1  # nothing was sent while opted out


def test_an_sms_opt_out_does_not_stop_email(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE, email="ann@example.com")
    person.channel_opt_outs.create(kind="sms")

    message = queue_message(django_capture_on_commit_callbacks, person, make_channel("email"), kind="email")

    assert message.status == "delivered"  # the simulator sent it and reported it delivered


def test_the_composer_stores_and_publishes_the_text():
    person = PersonFactory()

    message = web_inbound(person, "  JOIN  ")

    assert (message.direction, message.channel, message.text) == ("in", "web", "JOIN")
    assert (message.routing, message.status, message.person) == ("pending", "delivered", person)
    event = OutboxEvent.objects.get(topic="message.received")
    assert event.payload == {"ids": [message.pk]}


@pytest.mark.parametrize(
    "text, reason",
    [("   ", "Write a message first."), ("x" * 1001, "The message is longer than 1000 characters (1001).")],
)
def test_the_composer_refuses_empty_or_long_text(text, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        web_inbound(PersonFactory(), text)
    assert Message.objects.count() == 0
