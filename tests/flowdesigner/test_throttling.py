"""Guessing credentials is throttled (issue 13, item 7): wrong passwords lock the username out from that
address for a while (django-axes), and wrong API tokens or Flow API keys get 429 with Retry-After."""

import datetime as dt

import pytest
from asgiref.sync import sync_to_async
from axes.models import AccessAttempt
from django.core.cache import caches
from django.db import connections
from django.db.models import F
from django.test import AsyncClient, Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from engine.flow_api import keys
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-123456"  # tests.factories.UserFactory's
ATTACKER, OTHER_ADDRESS = "127.0.0.1", "127.0.0.2"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.TOKEN_FAILURE_LIMIT = 4
    # The token counts live in a cache, which outlives a test's database transaction.
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


def _login(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _end_lockout() -> None:
    """As if the lockout time had passed: every recorded failure is older than the lockout."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))


# --- logins --------------------------------------------------------------------------------------------


def test_after_the_failure_limit_even_the_right_password_is_refused_until_the_lockout_ends(client, marketer):
    statuses = [_login(client, "mia", "wrong").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]  # the third failure locks
    refused = _login(client, "mia", PASSWORD)
    assert refused.status_code == 429
    assert not _logged_in(client)

    _end_lockout()
    assert _login(client, "mia", PASSWORD).status_code == 302
    assert _logged_in(client)


def test_the_login_page_says_the_account_is_locked_and_for_how_long(client, marketer):
    for _ in range(3):
        response = _login(client, "mia", "wrong")

    html = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "temporarily locked" in html and "Try again in 15 minutes." in html
    assert "didn't match" not in html
    assert 'name="username"' in html and 'name="password"' in html  # the form, to come back later
    assert 'value="mia"' in html


def test_the_lockout_lasts_as_configured(client, marketer, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=1)
    for _ in range(3):
        response = _login(client, "mia", "wrong")

    assert response["Retry-After"] == "60"
    assert "Try again in 1 minute." in response.content.decode()


def test_a_json_client_gets_a_json_refusal(marketer):
    client = Client(headers={"Accept": "application/json"})
    for _ in range(3):
        response = _login(client, "mia", "wrong")

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    body = response.json()
    assert body["retry_after"] == 900
    assert "temporarily locked" in body["detail"]


def test_the_lockout_is_per_username_and_address(client, marketer, staff):
    for _ in range(3):
        _login(client, "mia", "wrong")

    # Another user from the same address logs in ...
    same_address = Client()
    assert _login(same_address, "sam", PASSWORD).status_code == 302
    # ... and so does the same user from another address.
    elsewhere = Client(REMOTE_ADDR=OTHER_ADDRESS)
    assert _login(elsewhere, "mia", PASSWORD).status_code == 302
    # But not the locked pair.
    assert _login(Client(), "mia", PASSWORD).status_code == 429


def test_a_successful_login_clears_the_failures(client, marketer):
    for _ in range(2):
        _login(client, "mia", "wrong")
    assert _login(client, "mia", PASSWORD).status_code == 302

    again = Client()
    statuses = [_login(again, "mia", "wrong").status_code for _ in range(2)]

    assert statuses == [200, 200]  # counting starts again: two failures do not lock
    assert _login(again, "mia", PASSWORD).status_code == 302


def test_a_locked_user_with_a_session_keeps_working(client, marketer):
    logged_in = Client()
    logged_in.force_login(marketer)
    for _ in range(3):
        _login(client, "mia", "wrong")

    assert logged_in.get("/flows/").status_code == 200


# --- API tokens ----------------------------------------------------------------------------------------


def _token_client(key: str, address: str = ATTACKER) -> APIClient:
    api = APIClient(REMOTE_ADDR=address)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_wrong_tokens_get_429_with_retry_after(marketer):
    right = Token.objects.create(user=marketer).key
    statuses = [_token_client(f"wrong-{i}").get("/api/persons/").status_code for i in range(4)]

    assert statuses == [401, 401, 401, 401]
    refused = _token_client("wrong-9").get("/api/persons/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 15 * 60
    assert refused.json()["detail"].startswith("Too many refused tokens from your address. Try again in")
    # From that address even the right token waits: the answer must not tell a right guess from a wrong one.
    assert _token_client(right).get("/api/persons/").status_code == 429
    # From another address the right token works.
    assert _token_client(right, OTHER_ADDRESS).get("/api/persons/").status_code == 200


def test_right_tokens_are_never_counted(marketer):
    right = Token.objects.create(user=marketer).key
    client = _token_client(right)

    statuses = {client.get("/api/persons/").status_code for _ in range(12)}

    assert statuses == {200}
    assert _token_client("wrong").get("/api/persons/").status_code == 401


def test_a_forged_forwarded_for_header_does_not_escape_the_count():
    statuses = [
        _token_client(f"wrong-{i}").get("/api/persons/", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(5)
    ]

    assert statuses == [401, 401, 401, 401, 429]


def test_the_count_ends_with_its_window(settings):
    for i in range(4):
        _token_client(f"wrong-{i}").get("/api/persons/")
    assert _token_client("wrong").get("/api/persons/").status_code == 429

    settings.TOKEN_FAILURE_WINDOW_MINUTES = 0  # every failure counted so far is now out of the window

    assert _token_client("wrong").get("/api/persons/").status_code == 401


def test_wrong_flow_api_keys_get_429_in_the_flow_api_shape(db):
    secret = keys.api_key_create(name="crm", rate_limit_per_minute=100).secret
    url = "/moments/1/flows/999999/participants/report?operationId=0f0e8e9c-2a8b-4a51-9c11-3f5b0a0e3c11"

    def get(key: str, address: str = ATTACKER):
        api = APIClient(REMOTE_ADDR=address)
        api.credentials(HTTP_AUTHORIZATION=f"App {key}")
        return api.get(url)

    assert [get(f"fdk_wrong{i}").status_code for i in range(4)] == [401, 401, 401, 401]
    refused = get(secret)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 15 * 60
    body = refused.json()
    assert body["errorCode"] == "42901"
    assert body["errorMessage"].startswith("Too many wrong API keys from your address; try again in")
    assert get(secret, OTHER_ADDRESS).status_code == 404  # the right key elsewhere: no such flow


def test_a_login_lockout_does_not_touch_api_tokens(client):
    # Locking one user's logins does not touch API tokens (different credentials, different counters).
    user = UserFactory(username="ivy", roles=["marketer"])
    for _ in range(3):
        _login(client, "ivy", "wrong")

    assert _token_client(Token.objects.create(user=user).key).get("/api/persons/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_the_lockout_page_is_served_under_asgi_too(marketer):
    # daphne runs the middleware asynchronously; axes calls the lockout answer differently there.
    client = AsyncClient()
    try:
        for _ in range(3):
            response = await client.post("/login/", {"username": "mia", "password": "wrong"})
        refused = await client.post("/login/", {"username": "mia", "password": PASSWORD})
    finally:
        # The views ran in asgiref's thread, which keeps its own connection: close it there, or PostgreSQL
        # refuses to drop the test database.
        await sync_to_async(connections.close_all)()

    assert response.status_code == 429
    assert "Try again in 15 minutes." in response.content.decode()
    assert refused.status_code == 429
