"""The report POSTed to notifyUrl once the operation completes: signed with the flow's secret, received by a
real HTTP server on 127.0.0.1, retried with backoff, refused (not retried) for internal addresses that are
not allowed."""

import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from engine.flow_api.models import FlowApiOperation
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from tests.flow_api.conftest import email, report_url
from tests.helpers import CallbackReceiver

pytestmark = pytest.mark.django_db


def test_the_completed_report_is_posted_signed_to_notify_url(flow, add, app_client, settings):
    settings.CALLBACK_ALLOWED_PRIVATE = ["127.0.0.0/8"]
    with CallbackReceiver() as receiver:
        report = add(
            flow, [email("ann@example.com"), email("nope")], notifyUrl=receiver.url, callbackData="b-1"
        )

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    flow.refresh_from_db()
    expected = hmac.new(flow.secret.encode(), sent["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(sent["headers"]["X-Signature"], expected)
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["X-Operation-Id"] == report["operationId"]
    body = json.loads(sent["body"])
    assert body == app_client.get(report_url(flow, report["operationId"])).json()
    assert body["status"] == "COMPLETED"
    assert body["callbackData"] == "b-1"
    assert [p["status"] for p in body["participants"]] == ["ACCEPTED", "REJECTED"]
    operation = FlowApiOperation.objects.get()
    assert (operation.notify_status, operation.notify_attempts, operation.notify_status_code) == (
        "delivered",
        1,
        200,
    )


def test_a_failed_notification_is_retried_later(flow, add, settings):
    settings.CALLBACK_ALLOWED_PRIVATE = ["127.0.0.0/8"]
    with CallbackReceiver() as receiver:
        receiver.statuses = [503]
        add(flow, [email("ann@example.com")], notifyUrl=receiver.url)

        operation = FlowApiOperation.objects.get()
        assert (operation.notify_status, operation.notify_error) == ("pending", "HTTP 503")
        retry = OutboxEvent.objects.get(topic="flow_api.notify", done_at__isnull=True)
        assert (retry.available_at - timezone.now()).total_seconds() > 5  # the callbacks' backoff: 10 s
        OutboxEvent.objects.filter(pk=retry.pk).update(available_at=timezone.now())  # time passes
        drain()

    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert receiver.requests[1]["headers"]["X-Delivery-Attempt"] == "2"
    operation.refresh_from_db()
    assert (operation.notify_status, operation.notify_attempts, operation.notify_error) == (
        "delivered",
        2,
        "",
    )


def test_an_internal_notify_url_is_refused_when_not_allowed_and_not_retried(flow, add, settings):
    settings.CALLBACK_ALLOWED_PRIVATE = []
    with CallbackReceiver() as receiver:
        add(flow, [email("ann@example.com")], notifyUrl=receiver.url)

    assert receiver.requests == []
    operation = FlowApiOperation.objects.get()
    assert operation.notify_status == "failed"
    assert operation.notify_error.startswith("Refused: 127.0.0.1 is an internal address")
    assert not OutboxEvent.objects.filter(topic="flow_api.notify", done_at__isnull=True).exists()
    # The participants are unaffected.
    assert operation.accepted == 1


def test_without_notify_url_nothing_is_sent(flow, add):
    add(flow, [email("ann@example.com")])

    assert FlowApiOperation.objects.get().notify_status == ""
    assert not OutboxEvent.objects.filter(topic="flow_api.notify").exists()
