"""The built-in gateway simulator: sends that succeed and report delivery, and replies and calls that take
the webhooks' path."""

from email import message_from_bytes, policy

import pytest

from messaging.models import Message
from messaging.transports.simulator import simulator_call, simulator_reply
from people.models import Person
from people.outbox.models import OutboxEvent
from tests.factories import PersonFactory
from tests.messaging.channels_support import (
    OUR_ADDRESS,
    OUR_NUMBER,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    make_channel,
    queue_message,
)

pytestmark = pytest.mark.django_db
PHONE = "+32470123456"


def received_ids(topic="message.received") -> list[int]:
    return [i for e in OutboxEvent.objects.filter(topic=topic) for i in e.payload["ids"]]


def test_an_sms_round_trip(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    sent = queue_message(django_capture_on_commit_callbacks, person, channel)
    received = simulator_reply(channel, sender=PHONE, recipient=OUR_NUMBER, text="1")

    # Sent at once, then reported delivered through the reports path.
    assert sent.gateway_id.startswith("sim-")
    assert sent.status == "delivered" and sent.sent_at is not None
    assert (received.received, received.duplicates) == (1, 0)
    reply = Message.objects.get(pk=received.message_ids[0])
    assert (reply.person, reply.text, reply.channel, reply.identity) == (person, "1", "sms", OUR_NUMBER)
    assert received_ids() == [reply.pk]


def test_stop_through_the_simulator_stops_the_next_send(django_capture_on_commit_callbacks):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    simulator_reply(channel, sender=PHONE, recipient=OUR_NUMBER, text="Stop")
    message = queue_message(django_capture_on_commit_callbacks, person, channel)

    assert message.status == "failed"
    assert message.error == "Not sent: the person opted out of SMS (replied STOP)"


def test_an_email_reply_answers_our_last_email(django_capture_on_commit_callbacks):
    person = PersonFactory(email="ann@example.com")
    channel = make_channel("email", config={"subject": "Friday event"})
    sent = queue_message(django_capture_on_commit_callbacks, person, channel, kind="email")

    received = simulator_reply(channel, sender="Ann@Example.com", recipient=OUR_ADDRESS, text="Yes!")

    reply = Message.objects.get(pk=received.message_ids[0])
    assert (reply.person, reply.text, reply.address) == (person, "Yes!", "ann@example.com")
    assert reply.gateway_id.startswith("<") and reply.gateway_id != sent.gateway_id


def test_the_simulated_email_is_a_real_reply():
    from messaging.transports.email.rfc822 import reply_build

    raw = reply_build(
        sender="ann@example.com", recipient=OUR_ADDRESS, subject="Re: x", text="Yes", in_reply_to="<o@flow>"
    )
    email = message_from_bytes(raw, policy=policy.default)
    assert (email["In-Reply-To"], email["Subject"], email.get_content().strip()) == (
        "<o@flow>",
        "Re: x",
        "Yes",
    )


def test_a_call_from_an_unknown_caller_creates_them_when_the_channel_does(django_capture_on_commit_callbacks):
    channel = make_channel("voice", creates_people=True)

    received = simulator_call(channel, caller="0470 12 34 56", recipient=OUR_NUMBER)

    person = Person.objects.get()
    assert person.phone == PHONE and person.created_via == f"voice:{channel.pk}"
    call = Message.objects.get(pk=received.message_ids[0])
    assert (call.text, call.channel, call.person) == ("Incoming call", "voice", person)
    assert received_ids("call.received") == [call.pk]


def test_the_simulator_plays_no_part_on_a_real_gateway():
    channel = make_channel("sms", gateway="http", config={"url": "https://gw.example/send"})

    with pytest.raises(ValueError, match="carried by a real gateway"):
        simulator_reply(channel, sender=PHONE, recipient=OUR_NUMBER, text="hi")
    assert Message.objects.count() == 0


def test_a_voice_channel_takes_calls_not_messages():
    channel = make_channel("voice")

    with pytest.raises(ValueError, match="use simulator_call"):
        simulator_reply(channel, sender=PHONE, recipient=OUR_NUMBER, text="hi")
