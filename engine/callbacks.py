"""Signed result callbacks: POST the stored body to the flow's URL, log every attempt, and try again later
with exponential backoff.

Each attempt is an outbox event ("callback.deliver"); a retry is a new one with `available_at` at the
next attempt, so "retry in 10 s" means 10 s (the worker polls every WORKER_POLL_SECONDS). A delivery is
claimed under its row lock before the POST (`claimed_until`), so two workers never deliver it, or run
its fast path, twice; a worker killed mid-POST leaves the claim to expire and the event to be retried.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from engine import fast_path, safe_http
from engine.effects import CALLBACK_DELIVER
from engine.models import CallbackAttempt, CallbackDelivery
from engine.safe_http import UnsafeURL
from people import outbox

USER_AGENT = "Flowdesigner-Callback/1"
# A claim outlives the longest attempt (connect + read timeouts) with room to record it.
CLAIM_MARGIN_SECONDS = 15

__all__ = ["UnsafeURL", "callback_deliver", "check_url", "sign"]


def sign(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the exact body bytes, sent as the X-Signature header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> None:
    """Refuse URLs that resolve to loopback, private, link-local or reserved addresses (SSRF),
    unless settings.CALLBACK_ALLOWED_PRIVATE lists them."""
    safe_http.resolve_checked(url, allowed_private=settings.CALLBACK_ALLOWED_PRIVATE)


def backoff_seconds(attempt: int) -> int:
    """Wait before retry number `attempt` + 1: 10 s, 20 s, 40 s ... capped at one hour."""
    return min(10 * 2 ** (attempt - 1), 3600)


class DeliveryBusy(Exception):
    """Another worker holds the delivery's claim; the outbox retries the event after a backoff."""


def claim_seconds() -> int:
    return settings.CALLBACK_TIMEOUT_SECONDS * 2 + CLAIM_MARGIN_SECONDS


def _claim(delivery_id: int) -> CallbackDelivery | None:
    """Lock the delivery and claim it for one attempt; None when there is nothing to do (delivered or
    given up); DeliveryBusy while another worker's claim runs."""
    now = timezone.now()
    with transaction.atomic():
        delivery = CallbackDelivery.objects.select_for_update().select_related("flow").get(pk=delivery_id)
        if delivery.status != CallbackDelivery.Status.PENDING:
            return None
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            raise DeliveryBusy(f"Callback {delivery_id} is being delivered by another worker")
        delivery.claimed_until = now + timedelta(seconds=claim_seconds())
        delivery.save(update_fields=["claimed_until"])
    return delivery


def callback_deliver(delivery_id: int) -> CallbackDelivery:
    """Make one delivery attempt; on failure schedule the next one (or give up after the last)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return CallbackDelivery.objects.get(pk=delivery_id)
    number = delivery.attempts + 1
    started = timezone.now()
    status_code: int | None = None
    error = ""
    refused = False
    reply = b""
    duration_ms = 0
    body = delivery.body.encode()
    try:
        response = safe_http.request(
            "POST",
            delivery.url,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Signature": sign(body, delivery.flow.secret),
                "X-Delivery-Id": str(delivery.pk),
                "X-Delivery-Attempt": str(number),
            },
            body=body,
            timeout=settings.CALLBACK_TIMEOUT_SECONDS,
            max_response_bytes=fast_path.MAX_BODY_BYTES,
            allowed_private=settings.CALLBACK_ALLOWED_PRIVATE,
        )
        status_code, reply, duration_ms = response.status, response.body, response.duration_ms
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except (safe_http.UnsafeURL, safe_http.RequestFailed) as exc:
        error = str(exc)
        # A URL the guard refuses is refused again on every retry: give up at once.
        refused = isinstance(exc, safe_http.UnsafeURL)
        duration_ms = int((timezone.now() - started).total_seconds() * 1000)
    excerpt = reply[:500].decode("utf-8", errors="replace")

    with transaction.atomic():
        delivery = CallbackDelivery.objects.select_for_update().get(pk=delivery_id)
        attempt = CallbackAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error,
            response_excerpt=excerpt,
        )
        delivery.attempts = number
        delivery.claimed_until = None
        if not error:
            delivery.status = CallbackDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif refused or number >= settings.CALLBACK_MAX_ATTEMPTS:
            delivery.status = CallbackDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(number))
            outbox.publish(
                CALLBACK_DELIVER, {"delivery_id": delivery.pk}, available_at=delivery.next_attempt_at
            )
        delivery.save(
            update_fields=["attempts", "status", "delivered_at", "next_attempt_at", "claimed_until"]
        )
    if not error and delivery.kind in fast_path.KINDS:
        # After the attempt is committed and in its own transaction: it can never undo the delivery.
        fast_path.fast_path_apply(attempt_id=attempt.pk, body=reply)
    return delivery
