"""The complete Message element end to end on the Django side: templated text, options in the inbox,
dismiss, auto-lock on and off (with concurrent answers), Send results and Email results deliveries."""

import json
import threading

import pytest
from django.core import mail
from django.db import connection

from engine import services
from engine.models import CallbackDelivery, Participant, ResultsEmail
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.factories import FlowFactory, UserFactory
from tests.helpers import CallbackReceiver

pytestmark = pytest.mark.django_db

ALERT = {"type": "RING_5", "interval": "INTERVAL_60", "vibrate": True}
ATTACHMENT = {
    "name": "Programme",
    "url": "https://example.com/p.pdf",
    "content_type": "application/pdf",
    "size": 2048,
}


def definition(person_id: int, *, auto_lock: bool = True) -> dict:
    """ask (yes | no | dismiss) -- yes --> flush --> mail --> thanks (ok) --> accepted (waits for follow-up);
    no and dismiss --> declined."""
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"persons": [person_id]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {
                    "text": "Hi {{ person.first_name }}, coming to {{ variables.event|d('the party') }}?",
                    "buttons": [
                        {"id": "yes", "caption": "Yes", "action": "confirm://Sure?"},
                        {"id": "no", "caption": "No", "action": "tel://+32 9 123 45 67"},
                    ],
                    "allow_dismiss": True,
                    "dismiss_caption": "Maybe later",
                    "branding": "party",
                    "alert": ALERT,
                    "auto_lock": auto_lock,
                    "attachments": [ATTACHMENT],
                },
                "exits": {"yes": "flush", "no": "declined", "dismiss": "declined"},
            },
            {"id": "flush", "type": "send_results", "config": {}, "exits": {"next": "mail"}},
            {
                "id": "mail",
                "type": "email_results",
                "config": {"emails": ["boss@example.com"], "email_admins": True},
                "exits": {"next": "thanks"},
            },
            {
                "id": "thanks",
                "type": "message",
                "config": {
                    "text": "Great, {{ person.first_name }}!",
                    "buttons": [{"id": "ok", "caption": "OK"}],
                },
                "exits": {"ok": "accepted"},
            },
            {
                "id": "accepted",
                "type": "exit",
                "config": {"name": "Accepted", "wait_for_follow_up": True},
                "exits": {},
            },
            {"id": "declined", "type": "exit", "config": {"name": "Declined"}, "exits": {}},
        ],
    }


@pytest.fixture
def launch_rich(enduser, django_capture_on_commit_callbacks):
    """Publish and launch the flow to the end user; returns (flow, the first message)."""

    def make(*, auto_lock: bool = True, callback_url: str = ""):
        person = enduser.person
        flow = FlowFactory(
            callback_url=callback_url, draft_definition=definition(person.pk, auto_lock=auto_lock)
        )
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        with django_capture_on_commit_callbacks(execute=True):
            services.launch_create(version=version, audience=None, launch_tag="party", context="ctx-1")
        return flow, Message.objects.get(person=person, direction="out", node_id="ask")

    return make


@pytest.fixture
def as_enduser(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


def answer(client, message, payload, capture):
    with capture(execute=True):
        return client.post(f"/api/inbox/messages/{message.pk}/answer/", payload, format="json")


def test_the_inbox_gets_the_rendered_text_and_every_option(launch_rich, as_enduser):
    flow, ask = launch_rich()

    [listed] = as_enduser.get("/api/inbox/messages/").json()

    assert listed == {
        "id": ask.pk,
        "direction": "out",
        "flow_name": flow.name,
        "sender_name": "Flowdesigner",
        "text": "Hi Erin, coming to the party?",
        "buttons": [
            {"id": "yes", "caption": "Yes", "action": "confirm://Sure?"},
            {"id": "no", "caption": "No", "action": "tel://+32 9 123 45 67"},
        ],
        "allow_dismiss": True,
        "dismiss_caption": "Maybe later",
        "branding": "party",
        "branding_colors": None,  # no package has the key "party"
        "alert": ALERT,
        "auto_lock": True,
        "attachments": [ATTACHMENT],
        "created_at": ask.created_at.isoformat(),
        "answered_button_id": None,
        "answered_caption": None,
        "answered_at": None,
        "dismissed": False,
        "locked": False,
        "form": None,
        "form_result": None,
        "display_value": None,
    }


def test_hostile_person_data_is_text_not_template(launch_rich, enduser, as_enduser):
    enduser.person.first_name = "{{ ''.__class__.__mro__ }}<script>"
    enduser.person.save()
    launch_rich()
    [listed] = as_enduser.get("/api/inbox/messages/").json()
    assert listed["text"] == "Hi {{ ''.__class__.__mro__ }}<script>, coming to the party?"


def test_dismiss_follows_the_dismiss_exit_and_reports_no_answer_id(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        flow, ask = launch_rich(callback_url="")
        flow.callback_url = receiver.url
        flow.save()
        response = answer(as_enduser, ask, {"dismiss": True}, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    body = response.json()
    assert (body["dismissed"], body["answered_button_id"], body["answered_caption"], body["locked"]) == (
        True,
        None,
        "Maybe later",
        True,
    )
    participant = Participant.objects.get()
    assert (participant.status, participant.state["exit"]["name"]) == ("completed", "Declined")
    assert Message.objects.get(direction="in").text == "Maybe later"
    [step] = json.loads(receiver.requests[0]["body"])["steps"]
    assert (step["answer_id"], step["button"], step["display_value"], step["message"]) == (
        None,
        None,
        "Maybe later",
        "Hi Erin, coming to the party?",
    )


def test_dismiss_is_refused_where_the_message_has_no_dismiss(
    published_flow, enduser, as_enduser, django_capture_on_commit_callbacks
):
    flow, version, _ = published_flow(persons=[enduser.person])
    with django_capture_on_commit_callbacks(execute=True):
        services.launch_create(version=version, audience=None)
    first = Message.objects.get(direction="out")

    response = answer(as_enduser, first, {"dismiss": True}, django_capture_on_commit_callbacks)

    assert (response.status_code, response.json()["detail"]) == (400, "This message cannot be dismissed.")
    first.refresh_from_db()
    assert (first.answered_at, first.dismissed) == (None, False)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "button_id"),
        ({"dismiss": False}, "button_id"),
        ({"dismiss": True, "button_id": "yes"}, "non_field_errors"),
        ({"dismiss": "perhaps"}, "dismiss"),
    ],
)
def test_answer_payload_must_be_a_button_or_a_dismiss(launch_rich, as_enduser, payload, field):
    _, ask = launch_rich()
    response = as_enduser.post(f"/api/inbox/messages/{ask.pk}/answer/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    ask.refresh_from_db()
    assert ask.answered_at is None


@pytest.mark.parametrize("second", [{"button_id": "no"}, {"dismiss": True}, {"button_id": "yes"}])
def test_with_auto_lock_a_second_answer_is_refused(
    launch_rich, as_enduser, django_capture_on_commit_callbacks, second
):
    _, ask = launch_rich(auto_lock=True)
    assert (
        answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks).json()["locked"]
        is True
    )

    response = answer(as_enduser, ask, second, django_capture_on_commit_callbacks)

    assert (response.status_code, response.json()["code"]) == (409, "answered")
    ask.refresh_from_db()
    assert (ask.answered_button_id, ask.dismissed) == ("yes", False)


def test_without_auto_lock_a_later_answer_replaces_the_recorded_one_and_does_not_advance(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        _, ask = launch_rich(auto_lock=False, callback_url=receiver.url)
        first = answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks).json()
        assert (first["answered_button_id"], first["locked"], first["auto_lock"]) == ("yes", False, False)
        participant = Participant.objects.get()
        steps_before, history_before = participant.step_count, participant.state["history"]

        changed = answer(as_enduser, ask, {"button_id": "no"}, django_capture_on_commit_callbacks)

        assert changed.status_code == 200
        body = changed.json()
        assert (body["answered_button_id"], body["answered_caption"], body["locked"]) == ("no", "No", False)
        participant.refresh_from_db()
        # The flow stayed where the first answer took it: no new advance, no new message, no new delivery.
        assert (participant.status, participant.current_node, participant.step_count) == (
            "waiting",
            "thanks",
            steps_before,
        )
        assert participant.state["history"] == history_before
        assert Message.objects.filter(direction="out", node_id="thanks").count() == 1
        assert [m.text for m in Message.objects.filter(direction="in").order_by("id")] == ["Yes", "No"]
        assert (
            participant.state["steps"][0]["answer_id"],
            participant.state["steps"][0]["display_value"],
        ) == (
            "no",
            "No",
        )
        assert CallbackDelivery.objects.filter(kind="flush").count() == 1

        # Changed again, to the dismiss; then the flow ends and the end results carry the latest answer.
        answer(as_enduser, ask, {"dismiss": True}, django_capture_on_commit_callbacks)
        thanks = Message.objects.get(direction="out", node_id="thanks")
        answer(as_enduser, thanks, {"button_id": "ok"}, django_capture_on_commit_callbacks)

    flush, end = (json.loads(r["body"]) for r in receiver.requests)
    assert [s["answer_id"] for s in flush["steps"]] == ["yes"]  # what was known at the Send results
    assert [(s["step_id"], s["answer_id"], s["display_value"]) for s in end["steps"]] == [
        ("ask", None, "Maybe later"),
        ("thanks", "ok", "OK"),
    ]
    ask.refresh_from_db()
    assert (ask.dismissed, ask.answered_button_id, ask.answered_caption) == (True, "", "Maybe later")


def test_without_auto_lock_an_unknown_button_is_still_refused(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    _, ask = launch_rich(auto_lock=False)
    answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)
    response = answer(as_enduser, ask, {"button_id": "maybe"}, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    ask.refresh_from_db()
    assert ask.answered_button_id == "yes"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("auto_lock", [False, True])
def test_two_answers_at_the_same_moment_advance_once(enduser, auto_lock):
    person = enduser.person
    flow = FlowFactory(draft_definition=definition(person.pk, auto_lock=auto_lock))
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    services.launch_create(version=version, audience=None)
    ask = Message.objects.get(person=person, direction="out", node_id="ask")

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def go(button: str) -> None:
        barrier.wait()
        try:
            services.participant_answer(message_id=ask.pk, button_id=button, person=person)
            outcomes.append("ok")
        except services.AnswerRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=("yes",)), threading.Thread(target=go, args=("no",))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(outcomes) == (["ok", "ok"] if not auto_lock else ["answered", "ok"])
    participant = Participant.objects.get(person=person)
    assert participant.step_count == 2  # start + exactly one advance
    ask.refresh_from_db()
    # Whichever came last is what the message and the results show.
    assert participant.state["steps"][0]["answer_id"] == ask.answered_button_id
    assert Message.objects.filter(person=person, direction="in").count() == (2 if not auto_lock else 1)
    # "yes" first: one thanks message; "no" first: the participant completed and "yes" only relabels.
    assert Message.objects.filter(direction="out", node_id="thanks").count() <= 1


def test_send_results_posts_a_signed_flush_of_the_results_so_far(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        flow, ask = launch_rich(callback_url="")
        flow.callback_url = receiver.url
        flow.save()
        answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)

    [request] = receiver.requests
    payload = json.loads(request["body"])
    participant = Participant.objects.get()
    ask.refresh_from_db()
    assert payload == {
        "type": "flow.results_flush",
        "run_id": str(participant.uuid),
        "flow": {"id": flow.pk, "name": flow.name, "version": 1},
        "person": payload["person"],
        "launch_tag": "party",
        "context": "ctx-1",
        "flush_id": "flush",
        "end_id": None,
        "exit_name": None,
        "wait_for_follow_up": False,
        "started_at": participant.created_at.isoformat(),
        "completed_at": None,
        "variables": {},
        "steps": [
            {
                "step_id": "ask",
                "step_type": "message_step",
                "message": "Hi Erin, coming to the party?",
                "answer_id": "yes",
                "button": "Yes",
                "form_result": None,
                "display_value": "Yes",
                "received_at": participant.state["steps"][0]["received_at"],
                "acknowledged_at": ask.answered_at.isoformat(),
            }
        ],
    }
    assert payload["person"]["first_name"] == "Erin"
    delivery = CallbackDelivery.objects.get()
    assert (delivery.kind, delivery.status) == ("flush", "delivered")
    assert request["headers"]["X-Signature"]


def test_end_results_report_wait_for_follow_up(launch_rich, as_enduser, django_capture_on_commit_callbacks):
    with CallbackReceiver() as receiver:
        flow, ask = launch_rich(callback_url="")
        flow.callback_url = receiver.url
        flow.save()
        answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)
        thanks = Message.objects.get(direction="out", node_id="thanks")
        assert thanks.text == "Great, Erin!"
        answer(as_enduser, thanks, {"button_id": "ok"}, django_capture_on_commit_callbacks)

    end = json.loads(receiver.requests[-1]["body"])
    assert (end["type"], end["end_id"], end["exit_name"], end["wait_for_follow_up"], end["flush_id"]) == (
        "flow.completed",
        "accepted",
        "Accepted",
        True,
        None,
    )
    assert [d.kind for d in CallbackDelivery.objects.order_by("id")] == ["flush", "end"]


def test_without_a_callback_url_nothing_is_posted(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    _, ask = launch_rich(callback_url="")
    answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)
    assert not CallbackDelivery.objects.exists()
    assert Participant.objects.get().current_node == "thanks"


def test_email_results_mails_the_addresses_and_the_marketers(
    launch_rich, as_enduser, django_capture_on_commit_callbacks
):
    UserFactory(username="mia", roles=["marketer"], email="Mia@Example.com")
    UserFactory(username="max", roles=["marketer"], email="")  # no address: skipped
    UserFactory(username="old", roles=["marketer"], email="old@example.com", is_active=False)
    UserFactory(username="sam", roles=["staff"], email="sam@example.com")  # not an admin of flows
    flow, ask = launch_rich()

    answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)

    [sent] = mail.outbox
    assert sent.to == ["boss@example.com", "mia@example.com"]
    assert sent.subject == f"Results of {flow.name}: Erin Person"
    assert "Context: ctx-1" in sent.body and "Launch tag: party" in sent.body
    assert "1. Hi Erin, coming to the party?\n   Answer: Yes (at " in sent.body
    email = ResultsEmail.objects.get()
    assert (email.status, email.node_id, email.recipients, email.error) == (
        "sent",
        "mail",
        ["boss@example.com", "mia@example.com"],
        "",
    )


def test_email_results_without_any_recipient_is_logged_not_sent(enduser, django_capture_on_commit_callbacks):
    doc = definition(enduser.person.pk)
    next(n for n in doc["nodes"] if n["id"] == "mail")["config"] = {"emails": [], "email_admins": True}
    flow = FlowFactory(draft_definition=doc)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    with django_capture_on_commit_callbacks(execute=True):
        services.launch_create(version=version, audience=None)
    ask = Message.objects.get(node_id="ask")
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_answer(message_id=ask.pk, button_id="yes", person=enduser.person)

    assert mail.outbox == []
    email = ResultsEmail.objects.get()
    assert email.status == "failed" and "No recipients" in email.error
    assert Participant.objects.get().current_node == "thanks"  # the flow goes on regardless


def test_a_failing_mail_server_is_logged(
    launch_rich, as_enduser, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    _, ask = launch_rich()
    answer(as_enduser, ask, {"button_id": "yes"}, django_capture_on_commit_callbacks)
    email = ResultsEmail.objects.get()
    assert email.status == "failed" and "ConnectionRefusedError" in email.error
