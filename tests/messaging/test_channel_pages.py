"""Staff pages for channels: create/edit with field-level errors, the webhook secret and URLs, removing a
channel; the gateway simulator (a sent SMS as the gateway got it, a reply through the webhook path); the
unhandled inbound messages. Marketers only read the simulator; end users get none of it."""

import html

import pytest

from messaging import services as messaging_services
from messaging.models import Channel, Message
from messaging.transports.simulator import simulator_reply
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'


def sms_form(**changes) -> dict:
    data = {
        "kind": "sms",
        "name": "Belgian SMS",
        "gateway": "http",
        "identities_text": "+32 470 12 34 56\n\n+32470123456\n0470 65 43 21",
        "http_url": "https://gateway.example.com/send",
        "http_headers": "Authorization: Bearer abc\nX-Account: 42",
        "email_subject": "",
        "creates_people": "on",
        "active": "on",
    }
    data.update(changes)
    return data


@pytest.fixture
def as_staff(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def sim_sms(db):
    return Channel.objects.create(
        kind="sms", name="SMS simulator", gateway="simulator", identities=["+32470000001"], secret="s" * 43
    )


def send_sms(channel: Channel, person, text: str, capture, buttons=()) -> Message:
    """Queue an SMS to `person` through `channel` the way a flow step does, and let the outbox send it."""
    message = messaging_services.message_out_build(
        person_id=person.pk,
        participant=None,
        node_id="",
        text=text,
        buttons=list(buttons),
        options={},
        channel="sms",
        transport_id=channel.pk,
        address=person.phone,
        identity=channel.identities[0],
    )
    with capture(execute=True):
        messaging_services.messages_queue([message])
    message.refresh_from_db()
    return message


# --- channels ---------------------------------------------------------------------------------------------


def test_staff_create_a_channel_with_normalised_identities_a_secret_and_webhook_urls(as_staff):
    response = as_staff.post("/channels/new/", sms_form())

    channel = Channel.objects.get(name="Belgian SMS")
    assert response.status_code == 302 and response["Location"] == f"/channels/{channel.pk}/"
    # One per line, E.164, the duplicate written another way dropped.
    assert channel.identities == ["+32470123456", "+32470654321"]
    assert channel.config == {
        "url": "https://gateway.example.com/send",
        "headers": {"Authorization": "Bearer abc", "X-Account": "42"},
    }
    assert channel.creates_people and channel.active
    assert len(channel.secret) == 43

    page = as_staff.get(f"/channels/{channel.pk}/").content.decode()
    assert channel.secret in page
    assert f"http://testserver/webhooks/{channel.uuid}/inbound/" in page
    assert f"http://testserver/webhooks/{channel.uuid}/reports/" in page

    listing = as_staff.get("/channels/").content.decode()
    assert f"http://testserver/webhooks/{channel.uuid}/inbound/" in listing
    assert "+32470654321" in listing and "HTTP gateway" in listing


def test_a_voice_channel_lists_its_calls_webhook(as_staff):
    as_staff.post("/channels/new/", sms_form(kind="voice", name="Hotline", gateway="simulator"))
    channel = Channel.objects.get(name="Hotline")
    assert channel.config == {}  # the HTTP fields belong to the http gateway only

    page = as_staff.get(f"/channels/{channel.pk}/").content.decode()
    assert f"/webhooks/{channel.uuid}/calls/" in page
    assert f"/webhooks/{channel.uuid}/inbound/" not in page


def test_an_email_channel_lower_cases_its_addresses_and_keeps_its_subject(as_staff):
    response = as_staff.post(
        "/channels/new/",
        sms_form(
            kind="email",
            name="Newsletter",
            gateway="smtp",
            identities_text="News@Example.COM",
            http_url="",
            http_headers="",
            email_subject="News from us",
        ),
    )
    assert response.status_code == 302
    channel = Channel.objects.get(name="Newsletter")
    assert channel.identities == ["news@example.com"]
    assert channel.config == {"subject": "News from us"}


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"gateway": "smtp"}, "gateway", "SMS channels go through the Built-in simulator or HTTP gateway."),
        (
            {"kind": "email", "identities_text": "news@example.com"},
            "gateway",
            "Email channels go through the Built-in simulator or SMTP",
        ),
        ({"identities_text": "+32 470 12 34 56\nnot a number"}, "identities_text", "Line 2: 'not a number'"),
        ({"identities_text": "  "}, "identities_text", "This field is required."),
        (
            {"kind": "email", "gateway": "smtp", "identities_text": "news@@example"},
            "identities_text",
            "is not an email address",
        ),
        ({"http_url": ""}, "http_url", "Give the URL the gateway receives messages at."),
        ({"http_url": "ftp://gateway.example.com"}, "http_url", "The URL starts with https://"),
        # The transport's own check, shown on the field it is about.
        ({"http_url": "https://me:pw@gateway.example.com/"}, "http_url", "must not carry a user name"),
        ({"http_headers": "Authorization Bearer"}, "http_headers", "Line 1: write a header as Name: value"),
        ({"http_headers": "X-Ok: 1\nBad Name: 2"}, "http_headers", "Line 2: 'Bad Name' is not a header"),
        (
            {"http_headers": "X-Signature: forged"},
            "http_headers",
            "X-Signature is set by Flowdesigner itself",
        ),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_every_bad_value_gets_its_own_error_and_nothing_is_saved(as_staff, changes, field, error):
    response = as_staff.post("/channels/new/", sms_form(**changes))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    page = response.content.decode()
    assert error in html.unescape(page)
    assert f'data-testid="error-{field}"' in page
    assert not Channel.objects.exists()


def test_the_name_is_unique(as_staff, sim_sms):
    response = as_staff.post("/channels/new/", sms_form(name=sim_sms.name))
    assert response.status_code == 400
    assert "Channel with this Name already exists." in response.content.decode()


def test_edit_keeps_the_kind_and_the_secret_and_shows_what_is_stored_after_an_error(as_staff, sim_sms):
    secret = sim_sms.secret
    url = f"/channels/{sim_sms.pk}/"
    form = sms_form(kind="email", name="Renamed", gateway="simulator", identities_text="+32470000002")

    assert as_staff.post(url, form).status_code == 302
    sim_sms.refresh_from_db()
    assert (sim_sms.kind, sim_sms.name, sim_sms.identities) == ("sms", "Renamed", ["+32470000002"])
    assert sim_sms.secret == secret

    response = as_staff.post(url, {**form, "identities_text": "nope"})
    assert response.status_code == 400
    sim_sms.refresh_from_db()
    assert sim_sms.identities == ["+32470000002"]


def test_regenerating_the_secret_shows_the_new_one_and_drops_the_old(as_staff, sim_sms):
    old = sim_sms.secret

    response = as_staff.post(f"/channels/{sim_sms.pk}/secret/")

    assert response.status_code == 302
    sim_sms.refresh_from_db()
    assert sim_sms.secret != old and len(sim_sms.secret) == 43
    page = as_staff.get(f"/channels/{sim_sms.pk}/").content.decode()
    assert sim_sms.secret in page and old not in page
    assert as_staff.get(f"/channels/{sim_sms.pk}/secret/").status_code == 405


def test_a_channel_without_messages_is_deleted_one_with_messages_deactivated(
    as_staff, sim_sms, django_capture_on_commit_callbacks
):
    unused = Channel.objects.create(kind="email", name="Unused", identities=["a@example.com"], secret="x")
    assert "it will be deleted" in as_staff.get(f"/channels/{unused.pk}/delete/").content.decode()
    assert as_staff.post(f"/channels/{unused.pk}/delete/").status_code == 302
    assert not Channel.objects.filter(pk=unused.pk).exists()

    send_sms(sim_sms, PersonFactory(phone="+32470111222"), "Hello", django_capture_on_commit_callbacks)
    assert "deactivated" in as_staff.get(f"/channels/{sim_sms.pk}/delete/").content.decode()
    response = as_staff.post(f"/channels/{sim_sms.pk}/delete/", follow=True)
    sim_sms.refresh_from_db()
    assert not sim_sms.active
    assert "it was deactivated instead of deleted" in response.content.decode()


def test_hostile_names_and_headers_are_shown_as_text(as_staff):
    as_staff.post("/channels/new/", sms_form(name=HOSTILE, http_headers=f"X-Note: {HOSTILE}"))
    channel = Channel.objects.get()
    for url in ("/channels/", f"/channels/{channel.pk}/"):
        page = as_staff.get(url).content.decode()
        assert HOSTILE not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize("role", ["marketer", "enduser"])
def test_only_staff_manage_channels_and_read_unhandled_messages(client, request, role, sim_sms):
    client.force_login(request.getfixturevalue(role))
    for url in ("/channels/", "/channels/new/", f"/channels/{sim_sms.pk}/", "/messages/unhandled/"):
        assert client.get(url).status_code == 403, url
    assert client.post("/channels/new/", sms_form()).status_code == 403
    assert client.post(f"/channels/{sim_sms.pk}/secret/").status_code == 403
    assert client.post(f"/channels/{sim_sms.pk}/delete/").status_code == 403
    assert Channel.objects.get() == sim_sms and sim_sms.secret == Channel.objects.get().secret


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/channels/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- the gateway simulator --------------------------------------------------------------------------------


def test_the_simulator_shows_a_sent_sms_as_numbered_and_a_reply_goes_through_the_webhook_path(
    as_staff, sim_sms, django_capture_on_commit_callbacks
):
    ann = PersonFactory(first_name="Ann", phone="+32470111222")
    buttons = [{"id": "yes", "caption": "Yes", "action": ""}, {"id": "no", "caption": "No", "action": ""}]
    sent = send_sms(sim_sms, ann, "Coming on Friday?", django_capture_on_commit_callbacks, buttons)
    assert sent.status == "delivered"  # the simulator reports every message delivered

    page = as_staff.get("/simulator/").content.decode()
    assert 'data-address="+32470111222"' in page
    # As the gateway got it: the options numbered, for a reply by number.
    assert "Coming on Friday?\n\nReply 1 for Yes, 2 for No" in page
    assert "sent · delivered" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = as_staff.post(
            f"/simulator/{sim_sms.pk}/send/",
            {"sender": "0470 11 12 22", "recipient": "+32470000001", "text": "1"},
        )
    assert response.status_code == 302 and response["Location"] == f"/simulator/#channel-{sim_sms.pk}"
    reply = Message.objects.get(direction="in")
    assert (reply.transport, reply.person, reply.address, reply.identity, reply.text) == (
        sim_sms,
        ann,
        "+32470111222",
        "+32470000001",
        "1",
    )

    feed = as_staff.get("/simulator/feed/").json()
    (channel,) = feed["channels"]
    (conversation,) = channel["conversations"]
    assert conversation["address"] == "+32470111222" and conversation["person_name"] == str(ann)
    assert [(m["direction"], m["id"]) for m in conversation["messages"]][:2] == [
        ("out", sent.pk),
        ("in", reply.pk),
    ]


def test_a_bad_reply_is_refused_with_the_reason_and_nothing_is_stored(as_staff, sim_sms):
    response = as_staff.post(
        f"/simulator/{sim_sms.pk}/send/", {"sender": "not a phone", "recipient": "+32470000001", "text": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a phone number" in page and "Write the text to send." in page
    response = as_staff.post(
        f"/simulator/{sim_sms.pk}/send/",
        {"sender": "+32470111222", "recipient": "+32470999999", "text": "hi"},
    )
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert not Message.objects.exists()


def test_a_voice_channel_takes_a_simulated_call(as_staff):
    voice = Channel.objects.create(
        kind="voice", name="Hotline", gateway="simulator", identities=["+3225550000"], secret="v" * 43
    )
    page = as_staff.get("/simulator/").content.decode()
    assert f'data-testid="sim-call-{voice.pk}"' in page

    response = as_staff.post(
        f"/simulator/{voice.pk}/send/", {"call": "1", "sender": "+32470111222", "recipient": "+3225550000"}
    )
    assert response.status_code == 302
    call = Message.objects.get()
    assert (call.channel, call.direction, call.address, call.transport) == (
        "voice",
        "in",
        "+32470111222",
        voice,
    )


def test_marketers_read_the_simulator_but_do_not_reply(client, marketer, sim_sms):
    client.force_login(marketer)
    page = client.get("/simulator/").content.decode()
    assert sim_sms.name in page and 'data-testid="sim-new-' not in page
    assert client.get("/simulator/feed/").status_code == 200
    response = client.post(
        f"/simulator/{sim_sms.pk}/send/", {"sender": "+32470111222", "recipient": "+32470000001", "text": "1"}
    )
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_end_users_do_not_see_the_simulator(client, enduser):
    client.force_login(enduser)
    assert client.get("/simulator/").status_code == 403
    assert client.get("/simulator/feed/").status_code == 403


# --- unhandled messages -----------------------------------------------------------------------------------


def test_an_unknown_senders_message_is_listed_as_unhandled_and_escaped(as_staff, sim_sms):
    simulator_reply(sim_sms, sender="+32470999888", recipient="+32470000001", text=HOSTILE)
    message = Message.objects.get()
    assert (message.person, message.routing) == (None, "unhandled")

    page = as_staff.get("/messages/unhandled/").content.decode()
    row = page.split(f'data-testid="unhandled-{message.pk}"')[1].split("</tr>")[0]
    assert "+32470999888" in row and "+32470000001" in row and sim_sms.name in row
    assert "unknown sender" in row
    assert HOSTILE not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row

    # The simulator shows the same text as text too.
    simulator = as_staff.get("/simulator/").content.decode()
    assert HOSTILE not in simulator and "&lt;script&gt;" in simulator


# --- the person's timeline --------------------------------------------------------------------------------


def test_the_person_page_shows_each_messages_channel_address_and_delivery(
    as_staff, sim_sms, django_capture_on_commit_callbacks
):
    ann = PersonFactory(first_name="Ann", phone="+32470111222")
    send_sms(sim_sms, ann, "Coming on Friday?", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        simulator_reply(sim_sms, sender=ann.phone, recipient="+32470000001", text="STOP")
    refused = send_sms(sim_sms, ann, "Last chance!", django_capture_on_commit_callbacks)
    assert refused.status == "failed"

    page = html.unescape(as_staff.get(f"/people/{ann.pk}/").content.decode())

    assert "Sent by SMS to +32470111222: Coming on Friday?" in page
    assert "Received by SMS from +32470111222: STOP" in page
    assert "opted out of SMS" in refused.error
    failed = f'<span class="badge error" data-testid="delivery">failed: {refused.error}</span>'
    assert f"Sent by SMS to +32470111222: Last chance! {failed}" in page
    # The STOP reply itself.
    assert '<span class="badge" data-testid="delivery">opted out</span>' in page
    assert '<span class="badge" data-testid="delivery">delivered</span>' in page
    assert "via SMS simulator" in page
