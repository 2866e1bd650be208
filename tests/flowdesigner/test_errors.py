"""Requests Django refuses before a view runs get a specific reason, as JSON for API callers."""

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_oversized_api_body_gets_413_with_the_limit(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    token = Token.objects.create(user=UserFactory(roles=["staff"]))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.post(
        "/api/events/", {"events": [{"idempotency_key": "x" * 100_000}]}, format="json"
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than this server accepts (64 KiB). "
        "Send less data per request, e.g. split a batch into several requests."
    }


def test_an_oversized_form_gets_a_page_saying_so(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    client.force_login(UserFactory(roles=["marketer"]))

    response = client.post("/people/new/", {"first_name": "x" * (2 * 1024 * 1024)})

    assert response.status_code == 413
    assert "larger than this server accepts (1 MiB)" in response.content.decode()
