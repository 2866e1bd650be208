import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from engine import callbacks, services
from engine.models import CallbackAttempt, CallbackDelivery, Participant
from messaging.models import Message
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from tests.helpers import CallbackReceiver


def walk_to_the_end(published_flow, enduser, url, capture):
    person = enduser.person
    flow, version, _ = published_flow(persons=[person], callback_url=url)
    with capture(execute=True):
        services.launch_create(
            version=version, audience=None, launch_tag="friday-event", context="crm-campaign-42"
        )
    with capture(execute=True):
        services.participant_answer(
            message_id=Message.objects.get(person=person, text="Coming on Friday?").pk,
            button_id="yes",
            person=person,
        )
    with capture(execute=True):
        services.participant_answer(
            message_id=Message.objects.get(person=person, text="Great!").pk, button_id="ok", person=person
        )
    return flow, person


def test_completing_the_flow_posts_signed_results(
    published_flow, enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        flow, person = walk_to_the_end(
            published_flow, enduser, receiver.url, django_capture_on_commit_callbacks
        )

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    expected = hmac.new(flow.secret.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Signature"] == expected
    assert request["headers"]["Content-Type"] == "application/json"
    payload = json.loads(request["body"])
    participant = Participant.objects.get(person=person)
    ask, thanks = Message.objects.filter(person=person, direction="out").order_by("id")
    assert payload == {
        "type": "flow.completed",
        "run_id": str(participant.uuid),
        "flow": {"id": flow.pk, "name": flow.name, "version": 1},
        "person": {
            "id": person.pk,
            "first_name": "Erin",
            "last_name": "Person",
            "email": person.email,
            "phone": person.phone,
            "language": person.language,
        },
        "launch_tag": "friday-event",
        "context": "crm-campaign-42",
        "flush_id": None,
        "end_id": "accepted",
        "exit_name": "Accepted",
        "wait_for_follow_up": False,
        "started_at": participant.created_at.isoformat(),
        "completed_at": participant.completed_at.isoformat(),
        "variables": {},
        "steps": [
            {
                "step_id": "ask",
                "step_type": "message_step",
                "message": "Coming on Friday?",
                "answer_id": "yes",
                "button": "Yes",
                "form_result": None,
                "display_value": "Yes",
                "received_at": payload["steps"][0]["received_at"],
                "acknowledged_at": ask.answered_at.isoformat(),
            },
            {
                "step_id": "thanks",
                "step_type": "message_step",
                "message": "Great!",
                "answer_id": "ok",
                "button": "OK",
                "form_result": None,
                "display_value": "OK",
                "received_at": ask.answered_at.isoformat(),  # sent the moment "Yes" was answered
                "acknowledged_at": thanks.answered_at.isoformat(),
            },
        ],
    }
    # Received when the launch sent it: after the participant was created, before the answer.
    received = datetime.fromisoformat(payload["steps"][0]["received_at"])
    assert participant.created_at - timedelta(seconds=5) < received <= ask.answered_at
    delivery = CallbackDelivery.objects.get()
    assert (delivery.kind, delivery.status, delivery.attempts) == ("end", "delivered", 1)
    assert CallbackAttempt.objects.get().status_code == 200


def test_failed_callback_is_logged_and_retried_with_backoff(
    published_flow, enduser, django_capture_on_commit_callbacks
):
    with CallbackReceiver() as receiver:
        receiver.statuses = [503]
        walk_to_the_end(published_flow, enduser, receiver.url, django_capture_on_commit_callbacks)
        delivery = CallbackDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert CallbackAttempt.objects.get().error == "HTTP 503"
        # The retry is a timer: an outbox event not to be handled before the next attempt is due.
        retry = OutboxEvent.objects.get(topic="callback.deliver", done_at__isnull=True)
        assert retry.payload == {"delivery_id": delivery.pk}
        assert timedelta(seconds=5) < retry.available_at - timezone.now() <= timedelta(seconds=10)
        assert retry.available_at == delivery.next_attempt_at
        assert drain() == 0  # not due yet

        OutboxEvent.objects.filter(pk=retry.pk).update(available_at=timezone.now())  # ten seconds later
        assert drain() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert [a.status_code for a in delivery.attempt_log.all()] == [503, 200]


def test_delivery_gives_up_after_the_last_attempt(
    published_flow, enduser, settings, django_capture_on_commit_callbacks
):
    settings.CALLBACK_MAX_ATTEMPTS = 2
    with CallbackReceiver() as receiver:
        receiver.statuses = [500, 500]
        walk_to_the_end(published_flow, enduser, receiver.url, django_capture_on_commit_callbacks)
        OutboxEvent.objects.filter(topic="callback.deliver").update(available_at=timezone.now())
        drain()
    delivery = CallbackDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 2, None)


def test_callbacks_into_the_internal_network_are_refused(
    published_flow, enduser, settings, django_capture_on_commit_callbacks
):
    settings.CALLBACK_ALLOWED_PRIVATE = []
    with CallbackReceiver() as receiver:
        walk_to_the_end(published_flow, enduser, receiver.url, django_capture_on_commit_callbacks)
    assert receiver.requests == []
    assert "127.0.0.1 is an internal address" in CallbackAttempt.objects.get().error
    # Refused once is refused for good: failed at once, no retries.
    assert CallbackDelivery.objects.values_list("status", "attempts", "next_attempt_at").get() == (
        "failed",
        1,
        None,
    )


@pytest.mark.parametrize("attempt, seconds", [(1, 10), (2, 20), (3, 40), (10, 3600)])
def test_backoff_doubles_and_is_capped_at_an_hour(attempt, seconds):
    assert callbacks.backoff_seconds(attempt) == seconds


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://example.com/x", "http:// or https://"),
        ("http://169.254.169.254/latest", "internal address"),
        ("http://[::1]:8000/", "internal address"),
        ("http://10.1.2.3/", "internal address"),
    ],
)
def test_check_url_refuses_unsafe_urls(url, reason, settings):
    settings.CALLBACK_ALLOWED_PRIVATE = []
    with pytest.raises(callbacks.UnsafeURL, match=reason):
        callbacks.check_url(url)
