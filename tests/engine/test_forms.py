"""Form messages end to end on the server: the inbox payload, answering through the API, saving answers into
flow variables and person attributes (refusals roll everything back), and the attribute check on drafts."""

import datetime as dt

import pytest

from engine import services as engine_services
from engine.models import Participant
from flowdesigner import services as flow_services
from messaging.models import Message
from people.models import AttributeValue, Person
from people.selectors import person_attributes
from tests.factories import AttributeDefinitionFactory, FlowFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db


def form_definition(widget: dict, *, save_to: dict | None = None, tag: int = 0) -> dict:
    """Audience -> form "ask" (positive: "thanks" message, negative: Exit "declined") -> Exit "done"."""
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [tag]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "form_message",
                "config": {
                    "text": "Your answer, {{ person.first_name }}?",
                    "widget": widget,
                    "positive_caption": "Send",
                    "positive_confirmation": "Send it?",
                    "negative_caption": "Skip",
                    "save_to": save_to,
                },
                "exits": {"positive": "thanks", "negative": "declined"},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {
                    "text": "Thanks {{ person.first_name }}",
                    "buttons": [{"id": "ok", "caption": "OK"}],
                },
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
            {"id": "declined", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
        ],
    }


@pytest.fixture
def launch_form(enduser, django_capture_on_commit_callbacks):
    """Publish a form flow for the end user and launch it; returns the form message."""

    def make(widget: dict, *, save_to: dict | None = None) -> Message:
        tag = TagFactory()
        enduser.person.tags.add(tag)
        flow = FlowFactory(draft_definition=form_definition(widget, save_to=save_to, tag=tag.pk))
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        with django_capture_on_commit_callbacks(execute=True):
            engine_services.launch_create(version=version, audience=None)
        return Message.objects.get(person=enduser.person, node_id="ask")

    return make


@pytest.fixture
def client(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


def answer(client, message: Message, form: dict, capture):
    with capture(execute=True):
        return client.post(f"/api/inbox/messages/{message.pk}/answer/", {"form": form}, format="json")


CHOICES = [{"value": "store", "label": "In the store"}, {"value": "web", "label": "On the website"}]


def test_the_inbox_payload_carries_the_form(client, launch_form):
    launch_form({"type": "single_select", "choices": CHOICES, "value": "web"})
    (body,) = client.get("/api/inbox/messages/").json()
    assert body["text"] == "Your answer, Erin?"
    assert body["buttons"] == []
    assert body["form"] == {
        "widget": {"type": "single_select", "choices": CHOICES, "value": "web"},
        "positive_caption": "Send",
        "positive_confirmation": "Send it?",
        "negative_caption": "Skip",
        "negative_confirmation": "",
    }
    assert (body["form_result"], body["display_value"], body["locked"]) == (None, None, False)


def test_a_positive_answer_is_stored_typed_and_shown(
    client, launch_form, enduser, django_capture_on_commit_callbacks
):
    message = launch_form({"type": "single_select", "choices": CHOICES})
    response = answer(
        client, message, {"button": "positive", "value": "store"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["answered_button_id"], body["answered_caption"], body["locked"]) == (
        "positive",
        "Send",
        True,
    )
    assert body["form_result"] == {"type": "unicode_result", "value": "store"}
    assert body["display_value"] == "In the store"
    participant = Participant.objects.get(person=enduser.person)
    assert participant.current_node == "thanks"
    assert participant.state["steps"][0]["form_result"] == {"type": "unicode_result", "value": "store"}
    reply = Message.objects.get(direction="in", reply_to=message)
    assert reply.text == "In the store"


def test_a_negative_answer_has_no_value(client, launch_form, enduser, django_capture_on_commit_callbacks):
    message = launch_form({"type": "text_line"})
    body = answer(client, message, {"button": "negative"}, django_capture_on_commit_callbacks).json()
    assert (
        body["answered_button_id"],
        body["answered_caption"],
        body["form_result"],
        body["display_value"],
    ) == (
        "negative",
        "Skip",
        None,
        "Skip",
    )
    assert Participant.objects.get(person=enduser.person).status == "completed"


def test_a_bad_value_is_a_400_with_the_reason_and_nothing_is_stored(
    client, launch_form, enduser, django_capture_on_commit_callbacks
):
    message = launch_form({"type": "slider", "min": 0, "max": 10, "step": 2})
    response = answer(client, message, {"button": "positive", "value": 3}, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert response.json() == {"detail": "The value must be on the steps of 2 from 0", "code": "invalid"}
    message.refresh_from_db()
    assert (message.answered_at, message.form_result) == (None, None)
    assert Participant.objects.get(person=enduser.person).current_node == "ask"
    assert not Message.objects.filter(direction="in").exists()
    # The same message then takes a good value.
    ok = answer(client, message, {"button": "positive", "value": 4}, django_capture_on_commit_callbacks)
    assert ok.json()["display_value"] == "4"


@pytest.mark.parametrize(
    ("payload", "status", "detail"),
    [
        ({"form": {"button": "maybe"}}, 400, None),
        ({"button_id": "positive"}, 400, "Answer this form with its positive or negative button."),
        ({"dismiss": True}, 400, "Answer this form with its positive or negative button."),
        ({"form": {"button": "positive"}, "dismiss": True}, 400, None),
    ],
)
def test_a_form_is_answered_only_through_its_form(client, launch_form, payload, status, detail):
    message = launch_form({"type": "text_line"})
    response = client.post(f"/api/inbox/messages/{message.pk}/answer/", payload, format="json")
    assert response.status_code == status
    if detail:
        assert response.json()["detail"] == detail


def test_a_plain_message_refuses_a_form(client, enduser, published_flow, django_capture_on_commit_callbacks):
    _, version, _ = published_flow(persons=[enduser.person])
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    message = Message.objects.get(person=enduser.person, direction="out")
    response = answer(
        client, message, {"button": "positive", "value": "x"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "This message has no form; answer it with one of its buttons."


def test_a_form_answers_once_even_without_auto_lock(client, enduser, django_capture_on_commit_callbacks):
    tag = TagFactory()
    enduser.person.tags.add(tag)
    definition = form_definition({"type": "text_line"}, tag=tag.pk)
    definition["nodes"][1]["config"]["auto_lock"] = False
    flow = FlowFactory(draft_definition=definition)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with django_capture_on_commit_callbacks(execute=True):
        engine_services.launch_create(version=version, audience=None)
    message = Message.objects.get(node_id="ask")
    assert answer(
        client, message, {"button": "positive", "value": "a"}, django_capture_on_commit_callbacks
    ).json()["locked"]
    again = answer(client, message, {"button": "positive", "value": "b"}, django_capture_on_commit_callbacks)
    assert again.status_code == 409
    assert again.json() == {"detail": "This message was already answered.", "code": "answered"}


# --- saving -----------------------------------------------------------------------------------------------


def test_saving_into_a_flow_variable(client, launch_form, enduser, django_capture_on_commit_callbacks):
    message = launch_form(
        {"type": "multi_select", "choices": CHOICES}, save_to={"kind": "variable", "name": "channels"}
    )
    answer(
        client, message, {"button": "positive", "value": ["web", "store"]}, django_capture_on_commit_callbacks
    )
    assert Participant.objects.get(person=enduser.person).state["variables"] == {"channels": ["web", "store"]}


@pytest.mark.parametrize(
    ("widget", "key", "value", "expected"),
    [
        ({"type": "text_line"}, "first_name", "Erina", ("first_name", "Erina")),
        (
            {"type": "text_line", "max_chars": 254},
            "email",
            " Erin@Example.COM ",
            ("email", "erin@example.com"),
        ),
        ({"type": "text_line"}, "phone", "+32 470 12 34 56", ("phone", "+32470123456")),
        (
            {"type": "date_select", "mode": "date"},
            "birth_date",
            int(dt.datetime(1990, 5, 17, tzinfo=dt.UTC).timestamp()),
            ("birth_date", dt.date(1990, 5, 17)),
        ),
        (
            {
                "type": "single_select",
                "choices": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}],
            },
            "opt_in",
            "yes",
            ("opt_in", True),
        ),
    ],
)
def test_saving_into_a_standard_attribute(
    client, launch_form, enduser, django_capture_on_commit_callbacks, widget, key, value, expected
):
    message = launch_form(widget, save_to={"kind": "attribute", "key": key})
    response = answer(
        client, message, {"button": "positive", "value": value}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200, response.json()
    person = Person.objects.get(pk=enduser.person.pk)
    assert getattr(person, expected[0]) == expected[1]


def test_the_next_message_greets_with_the_saved_first_name(
    client, launch_form, enduser, django_capture_on_commit_callbacks
):
    message = launch_form({"type": "text_line"}, save_to={"kind": "attribute", "key": "first_name"})
    answer(client, message, {"button": "positive", "value": "Erina"}, django_capture_on_commit_callbacks)
    assert Message.objects.get(node_id="thanks").text == "Thanks Erina"


@pytest.mark.parametrize(
    ("data_type", "widget", "value", "stored"),
    [
        ("NUMBER", {"type": "slider", "min": 0, "max": 10}, 7, "7"),
        (
            "TEXT",
            {"type": "gps_location"},
            {"latitude": 51.05, "longitude": 3.72, "accuracy": 5},
            "51.050000, 3.720000",
        ),
        ("LIST", {"type": "multi_select", "choices": CHOICES}, ["web"], ["web"]),
        (
            "DATETIME",
            {"type": "date_select", "mode": "date_time"},
            int(dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC).timestamp()),
            "2026-06-01T09:30:00Z",
        ),
    ],
)
def test_saving_into_a_custom_attribute(
    client, launch_form, enduser, django_capture_on_commit_callbacks, data_type, widget, value, stored
):
    AttributeDefinitionFactory(key="answer", data_type=data_type)
    message = launch_form(widget, save_to={"kind": "attribute", "key": "answer"})
    response = answer(
        client, message, {"button": "positive", "value": value}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 200, response.json()
    assert person_attributes(enduser.person)["answer"] == stored


@pytest.mark.parametrize(
    ("definition", "widget", "key", "value", "detail"),
    [
        (
            {"key": "score", "data_type": "NUMBER", "number_kind": "whole"},
            {"type": "slider", "min": 0, "max": 10, "step": 0.5, "precision": 1},
            "score",
            2.5,
            "Your answer cannot be saved as Score: Must be a whole number.",
        ),
        (
            {"key": "birthday", "data_type": "DATE"},
            {"type": "text_line"},
            "birthday",
            "next week",
            "Your answer cannot be saved as Birthday: Must be a date as YYYY-MM-DD.",
        ),
        (
            None,
            {"type": "text_line"},
            "email",
            "not an address",
            "Your answer cannot be saved as Email: Enter a valid email address.",
        ),
        (
            None,
            {"type": "text_line"},
            "phone",
            "12",
            "Your answer cannot be saved as Phone: Enter a valid phone number, e.g. +32470123456.",
        ),
        (
            None,
            {"type": "text_line", "max_chars": 200},
            "first_name",
            "x" * 101,
            "Your answer cannot be saved as First name: "
            "Ensure this value has at most 100 characters (it has 101).",
        ),
        (
            None,
            {"type": "text_line"},
            "email",
            "taken@example.com",
            "Your answer cannot be saved as Email: another person already has it.",
        ),
    ],
)
def test_a_value_the_attribute_refuses_refuses_the_answer_and_changes_nothing(
    client, launch_form, enduser, django_capture_on_commit_callbacks, definition, widget, key, value, detail
):
    if definition:
        AttributeDefinitionFactory(**definition)
    PersonFactory(email="taken@example.com")
    before = Person.objects.values().get(pk=enduser.person.pk)
    message = launch_form(widget, save_to={"kind": "attribute", "key": key})
    state_before = Participant.objects.get(person=enduser.person).state
    response = answer(
        client, message, {"button": "positive", "value": value}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail, "code": "invalid"}
    assert Person.objects.values().get(pk=enduser.person.pk) == before
    assert not AttributeValue.objects.exists()
    message.refresh_from_db()
    assert (message.answered_at, message.form_result, message.display_value) == (None, None, "")
    assert Participant.objects.get(person=enduser.person).state == state_before
    assert not Message.objects.filter(direction="in").exists()


# --- the attribute check on drafts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widget", "key", "issue"),
    [
        ({"type": "text_line"}, "first_name", None),
        ({"type": "text_line"}, "nickname", ("unknown_attribute", 'There is no person attribute "nickname"')),
        (
            {"type": "text_line"},
            "created_at",
            ("incompatible_attribute", "Created is kept by the system; a form cannot save into it"),
        ),
        (
            {"type": "gps_location"},
            "birth_date",
            ("incompatible_attribute", "Birth date (date) cannot hold the answer of a gps_location widget"),
        ),
        ({"type": "slider"}, "score", None),
        (
            {"type": "photo_upload"},
            "score",
            ("incompatible_attribute", "Score (number) cannot hold the answer of a photo_upload widget"),
        ),
    ],
)
def test_drafts_get_an_issue_for_attributes_that_cannot_take_the_answer(
    marketer, api_client, widget, key, issue
):
    AttributeDefinitionFactory(key="score", label="Score", data_type="NUMBER")
    definition = form_definition(widget, save_to={"kind": "attribute", "key": key}, tag=TagFactory().pk)
    api_client.force_login(marketer)
    flow = FlowFactory(draft_definition=definition)
    expected = (
        []
        if issue is None
        else [{"code": issue[0], "message": issue[1], "node_id": "ask", "field": "config.save_to.key"}]
    )
    assert (
        api_client.post("/api/flows/validate/", {"definition": definition}, format="json").json()["issues"]
        == expected
    )
    assert api_client.get(f"/api/flows/{flow.pk}/").json()["draft"]["issues"] == expected
    saved = api_client.put(
        f"/api/flows/{flow.pk}/draft/",
        {"definition": definition, "revision": flow.draft_revision},
        format="json",
    )
    assert saved.json()["issues"] == expected
    published = api_client.post(
        f"/api/flows/{flow.pk}/publish/", {"revision": saved.json()["revision"]}, format="json"
    )
    assert published.status_code == (201 if issue is None else 400)
