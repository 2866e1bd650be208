"""API keys: created by staff and shown once, stored hashed, revoked; `Authorization: App <key>`; the
per-key rate limit answered with 429 and Retry-After."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine.flow_api import keys
from engine.flow_api.models import ApiKey
from engine.flow_api.ratelimit import rate_limit_hit
from tests.flow_api.conftest import email, participants_url, report_url

pytestmark = pytest.mark.django_db

UNKNOWN_OPERATION = "0f0e8e9c-2a8b-4a51-9c11-3f5b0a0e3c11"


def client_with(authorization: str | None) -> APIClient:
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


# --- the staff pages ---------------------------------------------------------------------------------------


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(client, staff, flow):
    client.force_login(staff)

    response = client.post("/api-keys/", {"name": "CRM sync", "rate_limit_per_minute": "120"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    html = response.content.decode()
    secret = html.split('data-testid="api-key-secret">')[1].split("<")[0]
    assert secret.startswith("fdk_") and len(secret) > 40
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:12]
    assert (key.name, key.rate_limit_per_minute, key.created_by) == ("CRM sync", 120, staff)
    assert not any(secret in str(value) for value in ApiKey.objects.values().get().values())
    listing = client.get("/api-keys/").content.decode()
    assert "CRM sync" in listing and key.prefix in listing and secret not in listing
    # The key shown is the key that works.
    assert client_with(f"App {secret}").get(report_url(flow, UNKNOWN_OPERATION)).status_code == 404


def test_the_key_form_names_bad_values(client, staff):
    client.force_login(staff)

    response = client.post("/api-keys/", {"name": "", "rate_limit_per_minute": "0"})

    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_only_staff_manage_keys(client, marketer):
    assert client.get("/api-keys/").status_code == 302  # to the login page
    client.force_login(marketer)
    assert client.get("/api-keys/").status_code == 403
    assert client.post("/api-keys/", {"name": "x", "rate_limit_per_minute": "5"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_a_revoked_key_is_refused_with_401(client, staff, flow):
    created = keys.api_key_create(name="Old CRM")
    client.force_login(staff)

    response = client.post(f"/api-keys/{created.key.pk}/revoke/", follow=True)

    assert "Revoked the key Old CRM" in response.content.decode()
    answer = client_with(f"App {created.secret}").post(
        participants_url(flow), {"participants": [email("a@example.com")]}, format="json"
    )
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "App"
    assert answer.json() == {
        "errorCode": "40101",
        "errorMessage": "Unknown or revoked API key.",
        "requestError": {
            "serviceException": {"messageId": "UNAUTHORIZED", "text": "Unknown or revoked API key."}
        },
    }


@pytest.mark.parametrize(
    "authorization",
    [None, "App fdk_not-a-real-key", "App", "App a b", "Token abc", "Basic dXNlcjpwYXNz", "App cl\u00e9"],
)
def test_requests_without_a_valid_key_are_401(flow, authorization):
    response = client_with(authorization).get(report_url(flow, UNKNOWN_OPERATION))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "App"
    assert response.json()["errorCode"] == "40101"


def test_a_session_login_is_not_an_api_key(flow, staff):
    client = APIClient()
    client.force_login(staff)

    assert client.get(report_url(flow, UNKNOWN_OPERATION)).status_code == 401


# --- rate limit ---------------------------------------------------------------------------------------


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(flow):
    slow = keys.api_key_create(name="slow", rate_limit_per_minute=2).secret
    other = keys.api_key_create(name="other", rate_limit_per_minute=2).secret
    client = client_with(f"App {slow}")

    statuses = [client.get(report_url(flow, UNKNOWN_OPERATION)).status_code for _ in range(3)]

    assert statuses == [404, 404, 429]
    refused = client.get(report_url(flow, UNKNOWN_OPERATION))
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["errorCode"] == "42901"
    assert body["errorMessage"].startswith("Too many requests with this API key; try again in")
    assert body["requestError"]["serviceException"]["messageId"] == "TOO_MANY_REQUESTS"
    # Another key has its own allowance.
    assert client_with(f"App {other}").get(report_url(flow, UNKNOWN_OPERATION)).status_code == 404


def test_the_limit_counts_per_minute_and_notes_when_the_key_was_used(db):
    key = keys.api_key_create(name="k", rate_limit_per_minute=1).key
    minute = timezone.now().replace(second=30, microsecond=0)

    first = rate_limit_hit(key, now=minute)
    second = rate_limit_hit(key, now=minute + timedelta(seconds=10))
    next_minute = rate_limit_hit(key, now=minute + timedelta(seconds=40))

    assert (first.allowed, second.allowed, next_minute.allowed) == (True, False, True)
    assert second.retry_after == 20
    key.refresh_from_db()
    assert key.last_used_at == minute + timedelta(seconds=40)
    assert key.usage.count() == 1  # older windows are dropped
