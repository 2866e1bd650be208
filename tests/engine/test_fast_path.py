"""The fast path: a service answering a results callback with a message or a flow to start."""

import json

import pytest

from engine import services
from engine.models import CallbackAttempt, CallbackDelivery, Participant
from flowdesigner import services as flow_services
from flowdesigner.models import FlowVersion
from messaging.models import Message
from tests.factories import FlowFactory, two_step_definition
from tests.helpers import CallbackReceiver


def walk_to_the_end(published_flow, person, url, capture):
    """Launch the two-step flow to `person` and answer Yes, OK: the end callback goes out."""
    flow, version, _ = published_flow(persons=[person], callback_url=url)
    with capture(execute=True):
        services.launch_create(version=version, audience=None)
    for text, button in [("Coming on Friday?", "yes"), ("Great!", "ok")]:
        with capture(execute=True):
            services.participant_answer(
                message_id=Message.objects.get(person=person, text=text).pk, button_id=button, person=person
            )
    return flow


def inbox(client) -> list[dict]:
    response = client.get("/api/inbox/messages/")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def as_enduser(api_client, enduser):
    api_client.force_login(enduser)
    return api_client


def test_a_message_answer_is_sent_to_the_inbox_right_away(
    published_flow, enduser, as_enduser, django_capture_on_commit_callbacks
):
    person = enduser.person
    reply = {
        "type": "message",
        "message": {
            "text": "Thanks Erin! Want a reminder?",
            "buttons": [
                {"id": "remind", "caption": "Remind me"},
                {"id": "call", "caption": "Call us", "action": "tel://+32 9 123 45 67"},
            ],
            "allow_dismiss": True,
        },
    }
    with CallbackReceiver() as receiver:
        receiver.bodies = [reply]
        walk_to_the_end(published_flow, person, receiver.url, django_capture_on_commit_callbacks)

    delivery = CallbackDelivery.objects.get()
    assert (delivery.kind, delivery.status) == ("end", "delivered")
    attempt = CallbackAttempt.objects.get()
    assert (attempt.status_code, attempt.error, attempt.fast_path) == (200, "", "sent message")
    assert json.loads(attempt.response_excerpt) == reply

    sent = Message.objects.filter(person=person, direction="out").order_by("id").last()
    assert sent.participant_id is None
    assert sent.node_id == ""
    assert sent.status == "sent"  # pushed to the inbox after commit
    last = inbox(as_enduser)[-1]
    assert last == {
        "id": sent.pk,
        "direction": "out",
        "flow_name": "",
        "sender_name": "Flowdesigner",
        "text": "Thanks Erin! Want a reminder?",
        "buttons": [
            {"id": "remind", "caption": "Remind me", "action": ""},
            {"id": "call", "caption": "Call us", "action": "tel://+32 9 123 45 67"},
        ],
        "allow_dismiss": True,
        "dismiss_caption": "Roger that",
        "branding": None,
        "branding_colors": None,
        "alert": {"type": "SILENT", "interval": "NONE", "vibrate": False},
        "auto_lock": True,
        "attachments": [],
        "created_at": sent.created_at.isoformat(),
        "answered_button_id": None,
        "answered_caption": None,
        "answered_at": None,
        "dismissed": False,
        "locked": False,
        "form": None,
        "form_result": None,
        "display_value": None,
    }


def test_a_standalone_message_records_its_answer_and_locks(
    published_flow, enduser, as_enduser, django_capture_on_commit_callbacks
):
    person = enduser.person
    with CallbackReceiver() as receiver:
        receiver.bodies = [
            {"type": "message", "message": {"text": "Rate us", "buttons": [{"id": "5", "caption": "5"}]}}
        ]
        walk_to_the_end(published_flow, person, receiver.url, django_capture_on_commit_callbacks)
    sent = Message.objects.get(person=person, text="Rate us")
    steps_before = Participant.objects.get().step_count

    with django_capture_on_commit_callbacks(execute=True):
        response = as_enduser.post(
            f"/api/inbox/messages/{sent.pk}/answer/", {"button_id": "5"}, format="json"
        )
    assert response.status_code == 200
    body = response.json()
    assert (body["answered_button_id"], body["answered_caption"], body["locked"]) == ("5", "5", True)
    reply = Message.objects.get(person=person, direction="in", reply_to=sent)
    assert (reply.text, reply.participant_id) == ("5", None)
    assert Participant.objects.get().step_count == steps_before  # no flow advanced
    assert len(receiver.requests) == 1  # and nothing more was reported

    again = as_enduser.post(f"/api/inbox/messages/{sent.pk}/answer/", {"button_id": "5"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "answered")


@pytest.mark.parametrize(
    "payload, detail",
    [
        ({"dismiss": True}, "This message cannot be dismissed."),
        ({"button_id": "nope"}, "That is not one of this message's buttons."),
        ({"form": {"button": "positive", "value": "x"}}, "This message has no form to submit."),
    ],
)
def test_a_standalone_message_refuses_answers_it_does_not_offer(
    published_flow, enduser, as_enduser, django_capture_on_commit_callbacks, payload, detail
):
    person = enduser.person
    with CallbackReceiver() as receiver:
        receiver.bodies = [
            {"type": "message", "message": {"text": "Hi", "buttons": [{"id": "ok", "caption": "OK"}]}}
        ]
        walk_to_the_end(published_flow, person, receiver.url, django_capture_on_commit_callbacks)
    sent = Message.objects.get(person=person, text="Hi")
    response = as_enduser.post(f"/api/inbox/messages/{sent.pk}/answer/", payload, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": detail, "code": "invalid"})
    sent.refresh_from_db()
    assert sent.answered_at is None


def test_a_flow_answer_starts_the_newest_published_version_for_the_person(
    published_flow, enduser, as_enduser, django_capture_on_commit_callbacks
):
    person = enduser.person
    other = FlowFactory(name="Follow-up", draft_definition=two_step_definition(persons=[person.pk]))
    flow_services.flow_publish(flow_id=other.pk, revision=other.draft_revision)
    other.draft_definition["nodes"][1]["config"]["text"] = "Version two asks: coming?"
    other.draft_revision += 1
    other.save()
    newest = flow_services.flow_publish(flow_id=other.pk, revision=other.draft_revision)

    with CallbackReceiver() as receiver:
        receiver.bodies = [{"type": "flow", "flow_id": other.pk}]
        walk_to_the_end(published_flow, person, receiver.url, django_capture_on_commit_callbacks)

    assert CallbackAttempt.objects.get().fast_path == f"started flow {other.pk}"
    started = Participant.objects.get(version__flow=other)
    assert (started.person, started.version, started.launch, started.status) == (
        person,
        newest,
        None,
        "waiting",
    )
    assert started.current_node == "ask"
    last = inbox(as_enduser)[-1]
    assert (last["flow_name"], last["text"]) == ("Follow-up", "Version two asks: coming?")


def test_a_flush_is_answered_too(enduser, as_enduser, django_capture_on_commit_callbacks):
    person = enduser.person
    definition = two_step_definition(persons=[person.pk])
    definition["nodes"][0]["exits"] = {"next": "flush"}
    definition["nodes"].append(
        {"id": "flush", "type": "send_results", "config": {}, "exits": {"next": "ask"}}
    )
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"type": "message", "message": {"text": "Got your start"}}]
        flow = FlowFactory(callback_url=receiver.url, draft_definition=definition)
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        with django_capture_on_commit_callbacks(execute=True):
            services.launch_create(version=version, audience=None)

    delivery = CallbackDelivery.objects.get()
    assert (delivery.kind, delivery.status) == ("flush", "delivered")
    assert delivery.attempt_log.get().fast_path == "sent message"
    texts = [m["text"] for m in inbox(as_enduser)]
    assert texts == ["Coming on Friday?", "Got your start"]
    standalone = Message.objects.get(text="Got your start")
    # Without buttons the message can be dismissed (else it could never be answered).
    assert standalone.option_values["allow_dismiss"] is True


TOO_LONG = "x" * 4097


@pytest.mark.parametrize(
    "body, note",
    [
        (b"", "ignored: empty body"),
        (b"OK", "ignored: the body is not JSON"),
        ({"ok": True}, 'ignored: not a fast-path answer (no "type": "message" or "flow")'),
        ([1, 2], 'ignored: not a fast-path answer (no "type": "message" or "flow")'),
        ({"type": "poke"}, 'ignored: not a fast-path answer (no "type": "message" or "flow")'),
        ({"type": "message"}, 'ignored: "message" must be an object'),
        ({"type": "message", "message": {"text": ""}}, 'ignored: "message.text" must be a non-empty string'),
        ({"type": "message", "message": {"text": 5}}, 'ignored: "message.text" must be a non-empty string'),
        (
            {"type": "message", "message": {"text": TOO_LONG}},
            "ignored: the message text is longer than 4096 characters",
        ),
        (
            {"type": "message", "message": {"text": "Hi", "buttons": "ok"}},
            'ignored: "message.buttons" must be a list of at most 20 buttons',
        ),
        (
            {"type": "message", "message": {"text": "Hi", "buttons": [{"id": "a b", "caption": "A"}]}},
            "ignored: button 1 has no usable id",
        ),
        (
            {"type": "message", "message": {"text": "Hi", "buttons": [{"id": "dismiss", "caption": "A"}]}},
            "ignored: button 1 has no usable id",
        ),
        (
            {"type": "message", "message": {"text": "Hi", "buttons": [{"id": "a"}]}},
            "ignored: button 1 needs a caption of 1 to 64 characters",
        ),
        (
            {
                "type": "message",
                "message": {"text": "Hi", "buttons": [{"id": "a", "caption": "A", "action": "ftp://x"}]},
            },
            "ignored: button 1: ",
        ),
        (
            {
                "type": "message",
                "message": {
                    "text": "Hi",
                    "buttons": [{"id": "a", "caption": "A"}, {"id": "b", "caption": "a"}],
                },
            },
            "ignored: button 2 repeats an id or caption",
        ),
        (
            {"type": "message", "message": {"text": "Hi", "allow_dismiss": "yes"}},
            'ignored: "message.allow_dismiss" must be true or false',
        ),
        (
            {"type": "message", "message": {"text": "Hi", "allow_dismiss": False}},
            "ignored: a message needs a button or allow_dismiss",
        ),
        ({"type": "flow"}, 'ignored: "flow_id" must be a whole number'),
        ({"type": "flow", "flow_id": "3"}, 'ignored: "flow_id" must be a whole number'),
        ({"type": "flow", "flow_id": True}, 'ignored: "flow_id" must be a whole number'),
        ({"type": "flow", "flow_id": 999999}, "ignored: there is no flow 999999"),
        (
            b'{"type": "message", "message": {"text": "' + b"x" * 70000 + b'"}}',
            "ignored: the body is larger than 64 KiB",
        ),
    ],
)
def test_anything_else_is_ignored_and_noted(
    published_flow, enduser, django_capture_on_commit_callbacks, body, note
):
    person = enduser.person
    with CallbackReceiver() as receiver:
        receiver.bodies = [body]
        walk_to_the_end(published_flow, person, receiver.url, django_capture_on_commit_callbacks)
    attempt = CallbackAttempt.objects.get()
    assert attempt.fast_path.startswith(note)
    assert CallbackDelivery.objects.get().status == "delivered"
    assert Message.objects.filter(person=person, direction="out", participant=None).count() == 0
    assert Participant.objects.count() == 1


def test_a_flow_without_a_published_version_is_ignored(
    published_flow, enduser, django_capture_on_commit_callbacks
):
    draft = FlowFactory()
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"type": "flow", "flow_id": draft.pk}]
        walk_to_the_end(published_flow, enduser.person, receiver.url, django_capture_on_commit_callbacks)
    assert CallbackAttempt.objects.get().fast_path == f"ignored: flow {draft.pk} has no published version"


def test_a_failed_attempt_has_no_fast_path(published_flow, enduser, django_capture_on_commit_callbacks):
    with CallbackReceiver() as receiver:
        receiver.statuses = [503]
        receiver.bodies = [{"type": "message", "message": {"text": "Not for you"}}]
        walk_to_the_end(published_flow, enduser.person, receiver.url, django_capture_on_commit_callbacks)
    attempt = CallbackAttempt.objects.get()
    assert (attempt.error, attempt.fast_path) == ("HTTP 503", "")
    assert not Message.objects.filter(text="Not for you").exists()


def test_a_failing_fast_path_never_fails_the_delivery(
    published_flow, enduser, django_capture_on_commit_callbacks
):
    broken, version, _ = published_flow()
    # A stored version the engine cannot read (say, written by a bad data migration).
    FlowVersion.objects.filter(pk=version.pk).update(definition={"spec_version": 1, "nodes": "?"})
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"type": "flow", "flow_id": broken.pk}]
        walk_to_the_end(published_flow, enduser.person, receiver.url, django_capture_on_commit_callbacks)
    delivery = CallbackDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert delivery.attempt_log.get().fast_path.startswith("ignored: error (")
    assert not Participant.objects.filter(version=version).exists()


def test_the_response_is_read_at_most_64_kib(published_flow, enduser, django_capture_on_commit_callbacks):
    with CallbackReceiver() as receiver:
        receiver.bodies = [b"x" * (5 * 1024 * 1024)]
        walk_to_the_end(published_flow, enduser.person, receiver.url, django_capture_on_commit_callbacks)
    attempt = CallbackAttempt.objects.get()
    assert attempt.fast_path == "ignored: the body is larger than 64 KiB"
    assert attempt.response_excerpt == "x" * 500


def test_staff_see_what_the_fast_path_did_on_the_flow_page(
    client, staff, published_flow, enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"type": "flow", "flow_id": 999999}]
        flow = walk_to_the_end(
            published_flow, enduser.person, receiver.url, django_capture_on_commit_callbacks
        )
    client.force_login(staff)
    page = client.get(f"/flows/{flow.pk}/").content.decode()
    assert "Fast path: ignored: there is no flow 999999" in page
