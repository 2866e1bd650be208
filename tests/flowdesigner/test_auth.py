"""Signing in and staying signed in: each request loads its user with their person in one query
(flowdesigner.auth), and sessions from before that backend existed still work."""

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _login(client, user, backend: str) -> None:
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    session.create()
    client.cookies["sessionid"] = session.session_key


def test_logging_in_with_a_password_opens_the_inbox(client, enduser):
    enduser.set_password("a long passphrase 1")
    enduser.save()
    response = client.post("/login/", {"username": "erin", "password": "a long passphrase 1"})
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "flowdesigner.auth.UserWithPersonBackend"
    assert client.get("/api/inbox/messages/").status_code == 200


def test_an_inbox_request_reads_the_user_and_their_person_in_one_query(client, enduser):
    client.force_login(enduser)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/inbox/messages/").status_code == 200
    person_reads = [q["sql"] for q in queries if 'FROM "people_person"' in q["sql"]]
    user_reads = [q["sql"] for q in queries if 'FROM "auth_user"' in q["sql"]]
    assert len(user_reads) == 1 and "people_person" in user_reads[0]
    assert person_reads == []


@pytest.mark.parametrize(
    "backend", ["flowdesigner.auth.UserWithPersonBackend", "django.contrib.auth.backends.ModelBackend"]
)
def test_a_session_of_either_backend_stays_signed_in(client, enduser, backend):
    _login(client, enduser, backend)
    response = client.get("/api/inbox/messages/")
    assert response.status_code == 200


def test_a_user_without_a_person_is_told_they_have_no_inbox(client):
    user = UserFactory(username="nobody", roles=["enduser"])
    client.force_login(user)
    response = client.post(
        "/api/inbox/messages/1/answer/", {"button_id": "yes"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Your account has no inbox."


def test_a_deactivated_user_is_signed_out(client, enduser):
    client.force_login(enduser)
    enduser.is_active = False
    enduser.save()
    assert client.get("/api/inbox/messages/").status_code == 401
