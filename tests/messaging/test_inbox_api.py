"""The end user's inbox API: only your own messages; answering locks a message exactly once."""

import pytest

from engine import services as engine_services
from engine.models import Participant
from messaging.models import Message
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(api_client, enduser, published_flow, django_capture_on_commit_callbacks):
    """The end user and a stranger both received the flow's first question."""
    stranger = PersonFactory(first_name="Stranger")
    flow, version, _ = published_flow(persons=[enduser.person, stranger])
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    api_client.force_login(enduser)
    mine = Message.objects.get(person=enduser.person, direction="out")
    theirs = Message.objects.get(person=stranger, direction="out")
    return api_client, flow, mine, theirs


def _answer(client, message_id, button_id, capture):
    with capture(execute=True):
        return client.post(
            f"/api/inbox/messages/{message_id}/answer/", {"button_id": button_id}, format="json"
        )


def test_inbox_lists_only_my_messages(inbox):
    client, flow, mine, _ = inbox

    response = client.get("/api/inbox/messages/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": mine.pk,
            "direction": "out",
            "flow_name": flow.name,
            "sender_name": "Flowdesigner",
            "text": "Coming on Friday?",
            "buttons": [
                {"id": "yes", "caption": "Yes", "action": ""},
                {"id": "no", "caption": "No", "action": ""},
            ],
            "allow_dismiss": False,
            "dismiss_caption": "Roger that",
            "branding": None,
            "branding_colors": None,
            "alert": {"type": "SILENT", "interval": "NONE", "vibrate": False},
            "auto_lock": True,
            "attachments": [],
            "created_at": mine.created_at.isoformat(),
            "answered_button_id": None,
            "answered_caption": None,
            "answered_at": None,
            "dismissed": False,
            "locked": False,
            "form": None,
            "form_result": None,
            "display_value": None,
        }
    ]


def test_answer_locks_the_message_and_the_next_step_arrives(inbox, django_capture_on_commit_callbacks):
    client, _, mine, _ = inbox

    response = _answer(client, mine.pk, "yes", django_capture_on_commit_callbacks)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["answered_button_id"], body["answered_caption"], body["locked"]) == (
        mine.pk,
        "yes",
        "Yes",
        True,
    )
    listed = client.get("/api/inbox/messages/").json()
    assert [(m["text"], m["locked"]) for m in listed] == [("Coming on Friday?", True), ("Great!", False)]


def test_second_answer_is_a_conflict(inbox, django_capture_on_commit_callbacks):
    client, _, mine, _ = inbox
    _answer(client, mine.pk, "yes", django_capture_on_commit_callbacks)

    response = _answer(client, mine.pk, "no", django_capture_on_commit_callbacks)

    assert response.status_code == 409
    assert "already answered" in response.json()["detail"]
    mine.refresh_from_db()
    assert mine.answered_button_id == "yes"
    assert Message.objects.filter(direction="in").count() == 1


def test_someone_elses_message_is_not_found(inbox, django_capture_on_commit_callbacks):
    client, _, _, theirs = inbox

    response = _answer(client, theirs.pk, "yes", django_capture_on_commit_callbacks)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.answered_at is None
    assert Participant.objects.get(person=theirs.person).current_node == "ask"


def test_unknown_message_is_not_found(inbox, django_capture_on_commit_callbacks):
    client, *_ = inbox
    assert _answer(client, 999999, "yes", django_capture_on_commit_callbacks).status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"button_id": "maybe"}, "detail"), ({}, "button_id"), ({"button_id": ""}, "button_id")],
)
def test_bad_button_is_refused_and_changes_nothing(inbox, payload, field):
    client, _, mine, _ = inbox

    response = client.post(f"/api/inbox/messages/{mine.pk}/answer/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    mine.refresh_from_db()
    assert mine.answered_at is None
    assert not Message.objects.filter(direction="in").exists()


@pytest.mark.parametrize("role", ["marketer", "staff", None])
def test_non_endusers_have_no_inbox_api(api_client, inbox, role):
    _, _, mine, _ = inbox
    api_client.force_login(UserFactory(roles=[role] if role else []))

    listed = api_client.get("/api/inbox/messages/")
    answered = api_client.post(f"/api/inbox/messages/{mine.pk}/answer/", {"button_id": "yes"}, format="json")

    assert (listed.status_code, answered.status_code) == (403, 403)
    mine.refresh_from_db()
    assert mine.answered_at is None


def test_anonymous_callers_have_no_inbox(api_client, inbox):
    api_client.logout()
    assert api_client.get("/api/inbox/messages/").status_code in (401, 403)


def test_enduser_without_a_person_has_an_empty_inbox_and_cannot_answer(api_client, inbox):
    _, _, mine, _ = inbox
    api_client.force_login(UserFactory(roles=["enduser"]))

    listed = api_client.get("/api/inbox/messages/")
    answered = api_client.post(f"/api/inbox/messages/{mine.pk}/answer/", {"button_id": "yes"}, format="json")

    assert (listed.status_code, listed.json()) == (200, [])
    assert answered.status_code == 403
    mine.refresh_from_db()
    assert mine.answered_at is None
