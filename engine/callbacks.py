"""Signed result callbacks: POST the stored body to the flow's URL, log every attempt, and let
django-q2 try again later with exponential backoff."""

import hashlib
import hmac
import ipaddress
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from engine import fast_path
from engine.models import CallbackAttempt, CallbackDelivery

USER_AGENT = "Flowdesigner-Callback/1"


class UnsafeURL(ValueError):
    """A callback URL that points into the internal network and is not allowed by settings."""


def sign(body: bytes, secret: str) -> str:
    """Hex HMAC-SHA256 of the exact body bytes, sent as the X-Signature header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _allowed_private(address: ipaddress._BaseAddress) -> bool:
    for allowed in settings.CALLBACK_ALLOWED_PRIVATE:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


def check_url(url: str) -> None:
    """Refuse URLs that resolve to loopback, private, link-local or reserved addresses (SSRF),
    unless settings.CALLBACK_ALLOWED_PRIVATE lists them."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeURL("Callback URLs must be http:// or https:// with a host name.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise UnsafeURL(f"The host {parts.hostname!r} could not be resolved ({exc}).") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        internal = (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        )
        if internal and not _allowed_private(address):
            raise UnsafeURL(
                f"{parts.hostname} resolves to the internal address {address}; "
                "allow it in CALLBACK_ALLOWED_PRIVATE to send callbacks there."
            )


def backoff_seconds(attempt: int) -> int:
    """Wait before retry number `attempt` + 1: 10 s, 20 s, 40 s ... capped at one hour."""
    return min(10 * 2 ** (attempt - 1), 3600)


def callback_deliver(delivery_id: int) -> CallbackDelivery:
    """Make one delivery attempt; on failure schedule the next one (or give up after the last)."""
    delivery = CallbackDelivery.objects.select_related("flow").get(pk=delivery_id)
    if delivery.status != CallbackDelivery.Status.PENDING:
        return delivery
    number = delivery.attempts + 1
    started = timezone.now()
    clock = time.monotonic()
    status_code: int | None = None
    error = ""
    excerpt = ""
    reply = b""
    body = delivery.body.encode()
    try:
        check_url(delivery.url)
        response = requests.post(
            delivery.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "X-Signature": sign(body, delivery.flow.secret),
                "X-Delivery-Id": str(delivery.pk),
                "X-Delivery-Attempt": str(number),
            },
            timeout=settings.CALLBACK_TIMEOUT_SECONDS,
            allow_redirects=False,
            stream=True,
        )
        with response:
            status_code = response.status_code
            reply = _read_reply(response, deadline=clock + settings.CALLBACK_TIMEOUT_SECONDS)
        excerpt = reply[:500].decode("utf-8", errors="replace")
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except UnsafeURL as exc:
        error = str(exc)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    duration_ms = int((time.monotonic() - clock) * 1000)

    with transaction.atomic():
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
        if not error:
            delivery.status = CallbackDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        elif number >= settings.CALLBACK_MAX_ATTEMPTS:
            delivery.status = CallbackDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + timedelta(seconds=backoff_seconds(number))
            Schedule.objects.create(
                name=f"callback-{delivery.pk}-attempt-{number + 1}",
                func="engine.tasks.callback_deliver",
                args=str(delivery.pk),
                schedule_type=Schedule.ONCE,
                repeats=1,
                next_run=delivery.next_attempt_at,
            )
        delivery.save(update_fields=["attempts", "status", "delivered_at", "next_attempt_at"])
    if not error and delivery.kind in fast_path.KINDS:
        # After the attempt is committed and in its own transaction: it can never undo the delivery.
        fast_path.fast_path_apply(attempt_id=attempt.pk, body=reply)
    return delivery


def _read_reply(response: requests.Response, *, deadline: float) -> bytes:
    """At most fast_path.MAX_BODY_BYTES + 1 bytes of the body (one more tells a longer body apart), read
    before `deadline`. A body that breaks off or is too slow is cut where it stopped: the status code
    alone decides whether the delivery succeeded."""
    limit = fast_path.MAX_BODY_BYTES + 1
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=8192):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit or time.monotonic() > deadline:
                break
    except requests.RequestException:
        pass
    return b"".join(chunks)[:limit]
