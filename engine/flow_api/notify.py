"""POSTing a completed operation's report to its notifyUrl: the stored body, signed like result callbacks
(X-Signature, hex HMAC-SHA256 with the flow's secret, engine.callbacks.sign), through the SSRF guard,
retried with the callbacks' backoff as outbox events. A URL the guard refuses is a failed notification at
once: retrying would not change the answer."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engine import callbacks, safe_http
from engine.flow_api.models import FlowApiOperation
from engine.flow_api.services import NOTIFY
from people import outbox

USER_AGENT = "Flowdesigner-FlowApi/1"
# What we read of the integrator's answer: only its status matters.
MAX_RESPONSE_BYTES = 4096

Notify = FlowApiOperation.NotifyStatus


class NotifyBusy(Exception):
    """Another worker holds this notification's claim; the outbox retries the event after a backoff."""


def _claim(operation_id: int) -> FlowApiOperation | None:
    """Lock the operation and claim its notification for one attempt; None when there is nothing to
    send (delivered, given up, or never asked for)."""
    now = timezone.now()
    with transaction.atomic():
        operation = (
            FlowApiOperation.objects.select_for_update()
            .select_related("flow")
            .filter(pk=operation_id)
            .first()
        )
        if operation is None or operation.notify_status != Notify.PENDING:
            return None
        if operation.notify_claimed_until is not None and operation.notify_claimed_until > now:
            raise NotifyBusy(f"The report of operation {operation.uuid} is being sent by another worker")
        operation.notify_claimed_until = now + timedelta(seconds=callbacks.claim_seconds())
        operation.save(update_fields=["notify_claimed_until"])
    return operation


def operation_notify(operation_id: int) -> None:
    """Make one attempt to POST the report; record it, and queue the next attempt or give up."""
    operation = _claim(operation_id)
    if operation is None:
        return
    number = operation.notify_attempts + 1
    body = operation.notify_body.encode()
    status_code: int | None = None
    retry = False
    try:
        response = safe_http.request(
            "POST",
            operation.notify_url,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Signature": callbacks.sign(body, operation.flow.secret),
                "X-Operation-Id": str(operation.uuid),
                "X-Delivery-Attempt": str(number),
            },
            body=body,
            timeout=settings.CALLBACK_TIMEOUT_SECONDS,
            max_response_bytes=MAX_RESPONSE_BYTES,
            allowed_private=settings.CALLBACK_ALLOWED_PRIVATE,
        )
        status_code = response.status
        error = "" if 200 <= status_code < 300 else f"HTTP {status_code}"
        retry = bool(error)
    except safe_http.UnsafeURL as exc:
        error = f"Refused: {exc}"
    except safe_http.RequestFailed as exc:
        error, retry = str(exc), True
    _record(operation_id, number=number, status_code=status_code, error=error, retry=retry)


@transaction.atomic
def _record(operation_id: int, *, number: int, status_code: int | None, error: str, retry: bool) -> None:
    operation = FlowApiOperation.objects.select_for_update().get(pk=operation_id)
    now = timezone.now()
    operation.notify_attempts = number
    operation.notify_status_code = status_code
    operation.notify_error = error
    operation.notify_claimed_until = None
    operation.notify_next_at = None
    if not error:
        operation.notify_status, operation.notified_at = Notify.DELIVERED, now
    elif retry and number < settings.CALLBACK_MAX_ATTEMPTS:
        operation.notify_next_at = now + timedelta(seconds=callbacks.backoff_seconds(number))
        outbox.publish(NOTIFY, {"operation_id": operation.pk}, available_at=operation.notify_next_at)
    else:
        operation.notify_status = Notify.FAILED
    operation.save()
