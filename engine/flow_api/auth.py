"""How integrators authenticate to the Flow API (`Authorization: App <key>`, as with Infobip), the
per-key rate limit, and the OpenAPI description of that scheme."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from engine.flow_api.errors import TOO_MANY_REQUESTS, FlowApiError
from engine.flow_api.keys import api_key_find
from engine.flow_api.models import ApiKey
from engine.flow_api.ratelimit import rate_limit_hit
from flowdesigner.throttling import failed_token_wait, record_failed_token

KEYWORD = "App"


class AppKeyAuthentication(BaseAuthentication):
    """`Authorization: App <key>`: the request acts for the key (request.auth), not for a user. An unknown
    or revoked key is a 401 with `WWW-Authenticate: App`; other schemes are not ours (None)."""

    def authenticate(self, request) -> tuple[AnonymousUser, ApiKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        # An address that sent too many wrong keys is refused before its key is even looked at
        # (flowdesigner.throttling): guessing keys gets 429s, not answers.
        wait = failed_token_wait(request)
        if wait is not None:
            refusal = FlowApiError(
                429, TOO_MANY_REQUESTS, f"Too many wrong API keys from your address; try again in {wait} s."
            )
            refusal.wait = wait  # the exception handler turns it into Retry-After
            raise refusal
        try:
            return AnonymousUser(), self._key(parts)
        except AuthenticationFailed:
            record_failed_token(request)
            raise

    def _key(self, parts: list[bytes]) -> ApiKey:
        if len(parts) != 2:
            raise AuthenticationFailed("Malformed Authorization header: send App <key>.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("Unknown or revoked API key.") from None
        key = api_key_find(secret)
        if key is None:
            raise AuthenticationFailed("Unknown or revoked API key.")
        return key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class HasApiKey(BasePermission):
    """Only requests made with an API key (AppKeyAuthentication)."""

    def has_permission(self, request, view) -> bool:  # type: ignore[override]
        return isinstance(request.auth, ApiKey)


class ApiKeyRateThrottle(BaseThrottle):
    """The key's requests per minute, counted in the database (engine/flow_api/ratelimit.py)."""

    def __init__(self) -> None:
        self.retry_after = 1

    def allow_request(self, request, view) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        decision = rate_limit_hit(request.auth)
        self.retry_after = decision.retry_after
        return decision.allowed

    def wait(self) -> float:
        return float(self.retry_after)


class AppKeyScheme(OpenApiAuthenticationExtension):
    target_class = "engine.flow_api.auth.AppKeyAuthentication"
    name = "AppKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "An API key created by staff on /api-keys/, sent as `App <key>`.",
        }
