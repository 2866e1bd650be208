"""Inbox messages carry their branding's colours, looked up once per batch."""

import pytest

from flowdesigner.branding import branding_create
from flowdesigner.models import Branding
from messaging.models import Message
from messaging.selectors import inbox_messages, message_payload
from tests.flowdesigner.test_branding import package


@pytest.fixture
def as_enduser(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


def send(person, text: str, branding: str | None) -> Message:
    return Message.objects.create(
        person=person, direction="out", text=text, options={"branding": branding} if branding else {}
    )


def test_a_branded_message_carries_the_colours_of_its_branding(as_enduser, enduser):
    party = branding_create(name="Party", data=package())
    person = enduser.person
    branded = send(person, "In a branding", party.key)
    plain = send(person, "Plain", None)
    gone = send(person, "Its branding was deleted", "gone")

    payloads = {m["id"]: m for m in as_enduser.get("/api/inbox/messages/").json()}
    assert payloads[branded.pk]["branding"] == party.key
    assert payloads[branded.pk]["branding_colors"] == {
        "background": "#123456",
        "text": "#fefefe",
        "scheme": "dark",
    }
    assert (payloads[plain.pk]["branding"], payloads[plain.pk]["branding_colors"]) == (None, None)
    assert (payloads[gone.pk]["branding"], payloads[gone.pk]["branding_colors"]) == ("gone", None)
    assert message_payload(branded)["branding_colors"] == payloads[branded.pk]["branding_colors"]


def test_the_inbox_looks_brandings_up_once(enduser, django_assert_num_queries):
    person = enduser.person
    for number in range(3):
        branding = Branding.objects.create(key=f"b{number}", name=f"B{number}", archive=b"", html="")
        send(person, f"Message {number}", branding.key)
        send(person, f"Again {number}", branding.key)
    with django_assert_num_queries(2):  # the messages, then their brandings
        payloads = inbox_messages(person.pk)
    assert [p["branding_colors"]["scheme"] for p in payloads] == ["light"] * 6
