"""The gateways' webhooks through Django's test client: inbound SMS, delivery reports, calls."""

import json

import pytest

from flowdesigner.limits import allowance_for
from messaging.inbound import WebhookRefused, inbound_receive
from messaging.models import Message
from people.models import Person
from people.outbox.models import OutboxEvent
from tests.factories import PersonFactory
from tests.messaging.channels_support import (
    OUR_NUMBER,
    _gateway_settings,  # noqa: F401 (autouse fixture)
    make_channel,
    signed_post,
)

pytestmark = pytest.mark.django_db
PHONE = "+32470123456"


def sms(gateway_id="g-1", sender=PHONE, text="Hello"):
    return {"id": gateway_id, "from": sender, "to": OUR_NUMBER, "text": text}


def events(topic="message.received") -> list[dict]:
    return list(OutboxEvent.objects.filter(topic=topic).values_list("payload", flat=True))


def test_an_inbound_sms_is_stored_and_published(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    response = signed_post(client, channel, "inbound", sms(text="  Yes please "))

    assert response.status_code == 200
    assert response.json() == {"received": 1, "duplicates": 0}
    message = Message.objects.get()
    assert message.person == person
    assert (message.direction, message.channel, message.transport) == ("in", "sms", channel)
    assert (message.address, message.identity, message.gateway_id) == (PHONE, OUR_NUMBER, "g-1")
    assert (message.text, message.status, message.routing) == ("  Yes please ", "delivered", "pending")
    assert events() == [{"ids": [message.pk]}]


def test_the_sender_is_found_whatever_the_notation(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    signed_post(client, channel, "inbound", sms(sender="+32 470 12 34 56"))

    assert Message.objects.get().person == person


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_stored(client):
    PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    wrong = signed_post(client, channel, "inbound", sms(), secret="not-the-secret")
    missing = client.post(
        f"/webhooks/{channel.uuid}/inbound/", data=json.dumps(sms()), content_type="application/json"
    )

    assert wrong.status_code == 401 and missing.status_code == 401
    assert "X-Signature" in wrong.json()["detail"]
    assert Message.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{not json", "The body is not valid JSON: Expecting property name enclosed in double quotes"),
        (b"[1, 2]", 'The body must be a JSON object (one item, or {"messages": [...]}).'),
        ({"from": PHONE, "to": OUR_NUMBER, "text": "Hi"}, "id: missing."),
        (
            {"messages": [sms("a"), {"id": "b", "from": PHONE, "to": OUR_NUMBER}]},
            "messages[1].text: missing.",
        ),
        (
            {"messages": [sms("a"), sms("b", sender="hello")]},
            "messages[1].from: 'hello' is not a valid phone",
        ),
        ({"messages": [sms("a"), 7]}, "messages[1]: must be an object."),
        (
            {"messages": [sms(str(n)) for n in range(1001)]},
            "messages: at most 1000 items per request, not 1001.",
        ),
        ({**sms(), "text": ["a"]}, "text: must be a text."),
        ({**sms(), "id": "x" * 101}, "id: at most 100 characters."),
    ],
)
def test_a_malformed_body_is_refused_with_the_reason(client, body, reason):
    PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    response = signed_post(client, channel, "inbound", body)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(reason)
    assert Message.objects.count() == 0  # all or nothing: the valid first item is not stored either


def test_an_oversized_body_is_refused(client, settings):
    settings.WEBHOOK_MAX_BYTES = 1000
    PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    response = signed_post(client, channel, "inbound", sms(text="x" * 2000))

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}
    assert Message.objects.count() == 0
    # The simulator's path (no HTTP) is refused the same way.
    with pytest.raises(WebhookRefused) as refused:
        inbound_receive(channel, json.dumps(sms(text="x" * 2000)).encode(), {})
    assert refused.value.status == 413


def test_the_request_limit_of_webhook_paths_is_the_webhook_limit(settings):
    # Before the view: the ASGI layer and daphne's guard refuse a larger body unread (flowdesigner/limits).
    settings.WEBHOOK_MAX_BYTES = 1024 * 1024
    assert settings.REQUEST_MAX_BYTES > settings.WEBHOOK_MAX_BYTES
    assert allowance_for("/webhooks/0b0c/inbound/").max_bytes == 1024 * 1024


def test_unknown_inactive_or_wrong_kind_channels_are_not_found(client):
    sms_channel = make_channel("sms")
    inactive = make_channel("sms", active=False)
    email_channel = make_channel("email")

    assert signed_post(client, inactive, "inbound", sms()).status_code == 404
    assert (
        signed_post(client, sms_channel, "calls", {"call_id": "c", "from": PHONE, "to": "x"}).status_code
        == 404
    )
    assert signed_post(client, email_channel, "calls", {"call_id": "c"}).status_code == 404
    assert (
        client.post(
            "/webhooks/00000000-0000-0000-0000-000000000000/inbound/",
            data=b"{}",
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get(f"/webhooks/{sms_channel.uuid}/inbound/").status_code == 405


def test_a_gateway_retry_is_processed_once(client):
    PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    first = signed_post(client, channel, "inbound", sms("g-7"))
    again = signed_post(client, channel, "inbound", {"messages": [sms("g-7"), sms("g-8"), sms("g-8")]})

    assert first.json() == {"received": 1, "duplicates": 0}
    assert again.json() == {"received": 1, "duplicates": 2}
    assert sorted(Message.objects.values_list("gateway_id", flat=True)) == ["g-7", "g-8"]
    assert len(events()) == 2


def test_the_same_gateway_id_on_another_channel_is_another_message(client):
    PersonFactory(phone=PHONE)
    one, other = make_channel("sms"), make_channel("sms")

    signed_post(client, one, "inbound", sms("g-1"))
    signed_post(client, other, "inbound", sms("g-1"))

    assert Message.objects.count() == 2


def test_an_unknown_sender_is_kept_unhandled_without_an_event(client):
    channel = make_channel("sms", creates_people=False)

    response = signed_post(client, channel, "inbound", sms())

    assert response.json() == {"received": 1, "duplicates": 0}
    message = Message.objects.get()
    assert message.person is None and message.routing == "unhandled" and message.address == PHONE
    assert Person.objects.count() == 0
    assert events() == []


def test_an_unknown_sender_becomes_a_person_when_the_channel_creates_people(client):
    channel = make_channel("sms", creates_people=True)

    signed_post(client, channel, "inbound", sms(sender="+32 470 12 34 56"))

    person = Person.objects.get()
    assert person.phone == PHONE
    assert person.created_via == f"sms:{channel.pk}"
    message = Message.objects.get()
    assert message.person == person and message.routing == "pending"
    assert events() == [{"ids": [message.pk]}]


def test_stop_opts_out_and_start_opts_back_in(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    signed_post(client, channel, "inbound", sms("g-1", text=" stop "))
    assert person.channel_opt_outs.filter(kind="sms").exists()
    assert Message.objects.get(gateway_id="g-1").routing == "opt_out"

    signed_post(client, channel, "inbound", sms("g-2", text="Unstop"))
    assert not person.channel_opt_outs.exists()
    assert Message.objects.get(gateway_id="g-2").routing == "opt_in"
    assert events() == []  # neither goes to a flow


def test_a_word_like_stop_in_a_sentence_is_a_normal_message(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")

    signed_post(client, channel, "inbound", sms(text="Please stop by tomorrow"))

    assert not person.channel_opt_outs.exists()
    assert Message.objects.get().routing == "pending"


# --- delivery reports ---------------------------------------------------------------------------------


def outbound(channel, person, gateway_id, status="sent"):
    return Message.objects.create(
        person=person,
        direction="out",
        channel="sms",
        transport=channel,
        text="Hi",
        gateway_id=gateway_id,
        status=status,
    )


def test_reports_move_a_message_forward_only(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")
    message = outbound(channel, person, "out-1")

    def report(status, **extra):
        response = signed_post(client, channel, "reports", {"id": "out-1", "status": status, **extra})
        message.refresh_from_db()
        return response.json()

    assert report("delivered") == {"updated": 1, "unknown": 0}
    assert message.status == "delivered" and message.status_at is not None
    assert report("sent") == {"updated": 0, "unknown": 0}
    assert message.status == "delivered"
    assert report("read") == {"updated": 1, "unknown": 0}
    assert report("delivered") == {"updated": 0, "unknown": 0}
    assert report("failed", error="Handset off") == {"updated": 0, "unknown": 0}
    assert message.status == "read" and message.error == ""


def test_a_failure_report_records_the_error(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("sms")
    message = outbound(channel, person, "out-1")

    response = signed_post(
        client,
        channel,
        "reports",
        {
            "reports": [
                {"id": "out-1", "status": "failed", "error": "Absent subscriber"},
                {"id": "nope", "status": "read"},
            ]
        },
    )

    assert response.json() == {"updated": 1, "unknown": 1}
    message.refresh_from_db()
    assert (message.status, message.error) == ("failed", "Absent subscriber")


def test_reports_only_touch_this_channels_messages(client):
    person = PersonFactory(phone=PHONE)
    channel, other = make_channel("sms"), make_channel("sms")
    message = outbound(other, person, "out-1")

    response = signed_post(client, channel, "reports", {"id": "out-1", "status": "delivered"})

    assert response.json() == {"updated": 0, "unknown": 1}
    message.refresh_from_db()
    assert message.status == "sent"


def test_a_report_with_an_unknown_status_is_refused(client):
    channel = make_channel("sms")

    response = signed_post(client, channel, "reports", {"reports": [{"id": "a", "status": "lost"}]})

    assert response.status_code == 400
    assert (
        response.json()["detail"] == "reports[0].status: 'lost' is not one of sent, delivered, read, failed."
    )


# --- calls ----------------------------------------------------------------------------------------------


def test_a_call_is_stored_and_published(client):
    person = PersonFactory(phone=PHONE)
    channel = make_channel("voice")
    call = {"call_id": "call-1", "from": PHONE, "to": OUR_NUMBER}

    first = signed_post(client, channel, "calls", call)
    again = signed_post(client, channel, "calls", call)

    assert first.json() == {"received": 1, "duplicates": 0}
    assert again.json() == {"received": 0, "duplicates": 1}
    message = Message.objects.get()
    assert (message.person, message.channel, message.direction) == (person, "voice", "in")
    assert (message.text, message.gateway_id, message.routing) == ("Incoming call", "call-1", "pending")
    assert events("call.received") == [{"ids": [message.pk]}]
    assert events() == []


def test_a_call_without_a_caller_is_refused(client):
    channel = make_channel("voice")

    response = signed_post(client, channel, "calls", {"call_id": "call-1", "to": OUR_NUMBER})

    assert response.status_code == 400
    assert response.json() == {"detail": "from: missing."}


def test_the_webhook_limit_may_be_raised_above_djangos_form_limit(client, settings):
    settings.WEBHOOK_MAX_BYTES = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    PersonFactory(phone=PHONE)
    channel = make_channel("sms")
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 100)

    response = signed_post(client, channel, "inbound", sms(text=text))

    assert response.status_code == 200
    assert len(Message.objects.get().text) == len(text)
