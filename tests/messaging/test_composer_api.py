"""The inbox composer: POST /api/inbox/messages/ stores what the person writes as their inbound web message;
the inbox lists it as theirs ("in") beside what they were sent, and nothing of SMS or email."""

import pytest

from engine import services as engine_services
from messaging import services as messaging_services
from messaging.models import Channel, Message
from messaging.transports.simulator import simulator_reply
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/inbox/messages/"


@pytest.fixture
def as_erin(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


def write(client, text, capture):
    with capture(execute=True):
        return client.post(URL, {"text": text}, format="json")


def test_writing_stores_an_inbound_web_message_and_answers_201_with_it(
    as_erin, enduser, django_capture_on_commit_callbacks
):
    response = write(as_erin, "  Hello, is the shop open on Sunday?  ", django_capture_on_commit_callbacks)

    assert response.status_code == 201
    message = Message.objects.get()
    assert (message.person, message.direction, message.channel, message.text) == (
        enduser.person,
        "in",
        "web",
        "Hello, is the shop open on Sunday?",
    )
    body = response.json()
    assert body["id"] == message.pk
    assert (body["direction"], body["text"]) == ("in", "Hello, is the shop open on Sunday?")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Write a message first."),
        ("   \n ", "Write a message first."),
        ("x" * 1001, "The message is longer than 1000 characters (1001)."),
    ],
)
def test_an_empty_or_too_long_text_is_400_with_the_reason(
    as_erin, text, reason, django_capture_on_commit_callbacks
):
    response = write(as_erin, text, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert response.json()["detail"] == reason
    assert not Message.objects.exists()


def test_a_text_that_is_not_a_string_is_400(as_erin):
    response = as_erin.post(URL, {"text": {"a": 1}}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert as_erin.post(URL, {}, format="json").json() == {"text": ["This field is required."]}


def test_only_end_users_with_an_inbox_may_write(api_client, staff, marketer):
    for user in (staff, marketer):
        api_client.force_login(user)
        assert api_client.post(URL, {"text": "hi"}, format="json").status_code == 403
    api_client.force_login(UserFactory(username="nobox", roles=["enduser"]))  # no person behind it
    response = api_client.post(URL, {"text": "hi"}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == "Your account has no inbox."
    api_client.logout()
    assert api_client.post(URL, {"text": "hi"}, format="json").status_code == 401
    assert not Message.objects.exists()


def test_the_inbox_lists_what_i_wrote_but_no_sms_and_no_second_copy_of_a_button_answer(
    as_erin, enduser, published_flow, django_capture_on_commit_callbacks
):
    person = enduser.person
    person.phone = "+32470111222"
    person.save()
    # A flow's question in the web inbox, answered with a button.
    _, version, _ = published_flow(persons=[person])
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    question = Message.objects.get(person=person, direction="out")
    with django_capture_on_commit_callbacks(execute=True):
        as_erin.post(f"{URL}{question.pk}/answer/", {"button_id": "yes"}, format="json")
    # SMS both ways with the same person.
    sms = Channel.objects.create(
        kind="sms", name="SMS", gateway="simulator", identities=["+32470000001"], secret="s" * 43
    )
    outbound_sms = messaging_services.message_out_build(
        person_id=person.pk,
        participant=None,
        node_id="",
        text="An SMS for you",
        buttons=[],
        options={},
        channel="sms",
        transport_id=sms.pk,
        address=person.phone,
        identity="+32470000001",
    )
    with django_capture_on_commit_callbacks(execute=True):
        messaging_services.messages_queue([outbound_sms])
        simulator_reply(sms, sender=person.phone, recipient="+32470000001", text="An SMS reply")
    written = write(as_erin, "And a question of mine", django_capture_on_commit_callbacks).json()

    listed = as_erin.get(URL).json()

    assert Message.objects.filter(person=person, channel="sms").count() == 2
    assert Message.objects.filter(person=person, channel="web", direction="in", text="Yes").exists()
    texts = [(m["direction"], m["text"]) for m in listed]
    # The answer "Yes" shows on the question's card (answered_caption), not as a bubble of its own.
    assert texts[0] == ("out", "Coming on Friday?") and listed[0]["answered_caption"] == "Yes"
    assert ("in", "And a question of mine") in texts
    assert texts.index(("in", "And a question of mine")) > 0
    assert ("in", "Yes") not in texts
    assert all("SMS" not in text for _, text in texts)
    assert written["id"] in [m["id"] for m in listed]
