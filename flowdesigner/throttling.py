"""Throttling of guessed credentials: the lockout answer of django-axes (passwords) and the per-address
limit on refused API tokens (DRF's throttle machinery). Settings: "Login and token throttling" in
flowdesigner/settings.py; docs/operations.md.

Like flowdesigner.roles, this module imports none of our apps, so every app may use it (the Flow API's
`App` keys count their failures here too).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import SimpleRateThrottle

# --- logins (django-axes) --------------------------------------------------------------------------


def lockout_minutes() -> int:
    """How long a locked-out username stays refused from its address, in whole minutes."""
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_message() -> str:
    """What a locked-out user is told: that the account is locked, from where, and for how long."""
    minutes = lockout_minutes()
    return (
        "Too many failed logins: this account is temporarily locked from your address. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.headers.get("X-Requested-With") == "XMLHttpRequest" or (
        "application/json" in accept and "text/html" not in accept
    )


def lockout_response(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """axes' AXES_LOCKOUT_CALLABLE: the answer to a login attempt of a locked-out username + address.

    429 with Retry-After; a browser gets the login page saying the account is locked and for how long,
    a JSON client `{"detail": ..., "retry_after": seconds}`. Every attempt while locked starts the wait
    again (axes counts it as a failure), so the wait is always the whole lockout. The other arguments
    (the view's response, the credentials) are not needed, and axes passes them differently from its
    sync and async middleware."""
    seconds = lockout_minutes() * 60
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"detail": lockout_message(), "retry_after": seconds}, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    else:
        posted = request.POST if request.method == "POST" else {}
        context = {
            "form": AuthenticationForm(request, initial={"username": posted.get("username", "")}),
            "lockout_message": lockout_message(),
            "next": posted.get("next", ""),
        }
        response = render(
            request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
        )
    response["Retry-After"] = str(seconds)
    return response


# --- API tokens (DRF) --------------------------------------------------------------------------------


class FailedTokenThrottle(SimpleRateThrottle):
    """Refused tokens per client address: at most TOKEN_FAILURE_LIMIT within TOKEN_FAILURE_WINDOW_MINUTES.

    DRF's sliding-window throttle, but fed only with failures (`record_failure`) and asked before a token
    is checked (`wait_seconds`), so correct tokens are never counted or slowed down. The address is
    REMOTE_ADDR only: an X-Forwarded-For header, which any client can send, must not pick the counter."""

    scope = "failed_token"

    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str:
        return f"{settings.TOKEN_FAILURE_LIMIT}/{settings.TOKEN_FAILURE_WINDOW_MINUTES}min"

    def parse_rate(self, rate: str | None) -> tuple[int, int]:
        return settings.TOKEN_FAILURE_LIMIT, settings.TOKEN_FAILURE_WINDOW_MINUTES * 60

    def get_ident(self, request: Any) -> str:
        return request.META.get("REMOTE_ADDR") or "unknown"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request: Any) -> None:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [
            moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration
        ]

    def wait_seconds(self, request: Any) -> int | None:
        """Seconds until this address may try a token again; None when it may now."""
        self._load(request)
        if len(self.history) < self.num_requests:
            return None
        # history is newest first: the oldest failure still in the window frees a try when it leaves it.
        return max(1, int(self.duration - (self.now - self.history[-1])) + 1)

    def record_failure(self, request: Any) -> None:
        """Count one refused token from this request's address."""
        self._load(request)
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


class TooManyFailedTokens(Throttled):
    """429 to an address that sent too many wrong tokens; DRF adds Retry-After from `wait`."""

    default_detail = "Too many refused tokens from your address."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."


def failed_token_wait(request: Any) -> int | None:
    """Seconds until the request's address may try a token again (it sent too many wrong ones); None
    when it may now."""
    return FailedTokenThrottle().wait_seconds(request)


def record_failed_token(request: Any) -> None:
    """Count a refused token from the request's address."""
    FailedTokenThrottle().record_failure(request)


class ThrottledTokenAuthentication(TokenAuthentication):
    """DRF's `Authorization: Token <key>`, answering 429 (TooManyFailedTokens, with Retry-After) to an
    address that sent too many wrong tokens.

    Only requests that carry a token are looked at. While the address is throttled even a right token is
    refused: otherwise the answers would still tell a right guess from a wrong one."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        wait = failed_token_wait(request)
        if wait is not None:
            raise TooManyFailedTokens(wait=wait)
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            record_failed_token(request)
            raise
