"""Fixtures of the Flow API tests: an active flow entered through a Flow API entry point, an API key, and
a client that sends it as `Authorization: App <key>`."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from engine.flow_api import keys
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from tests.factories import FlowFactory

FIRST_MESSAGE = "Welcome aboard!"


def flow_document(
    *, variables: dict[str, str] | None = None, reentry: str | None = None, entry: str = "flow_api"
):
    """Entry (`entry`, a Flow API entry point by default) -> a message with an OK button -> Exit."""
    doc: dict = {
        "spec_version": 1,
        "variables": [{"name": name, "type": kind} for name, kind in (variables or {}).items()],
        "nodes": [
            {"id": "api", "type": entry, "config": {}, "exits": {"next": "hello"}},
            {
                "id": "hello",
                "type": "message",
                "config": {"text": FIRST_MESSAGE, "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }
    if reentry:
        doc["settings"] = {"reentry": reentry}
    return doc


@pytest.fixture
def make_flow(db):
    """Publish a Flow API flow and make it active (or leave it in `status`)."""

    def make(*, status: str = Flow.Status.ACTIVE, **document) -> Flow:
        flow = FlowFactory(draft_definition=flow_document(**document))
        try:
            flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        except flow_services.PublishRefused as refused:
            raise AssertionError([issue.as_dict() for issue in refused.issues]) from None
        flow.status = status
        flow.save(update_fields=["status"])
        return flow

    return make


@pytest.fixture
def flow(make_flow):
    return make_flow(variables={"orderNumber": "number", "city": "text"})


@pytest.fixture
def api_key(db):
    """A new key's secret (the only copy)."""
    return keys.api_key_create(name="CRM", rate_limit_per_minute=1000).secret


@pytest.fixture
def app_client(api_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"App {api_key}")
    return client


def participants_url(flow) -> str:
    return f"/moments/1/flows/{flow.pk}/participants"


def report_url(flow, operation_id: str) -> str:
    return f"/moments/1/flows/{flow.pk}/participants/report?operationId={operation_id}"


@pytest.fixture
def add(app_client, django_capture_on_commit_callbacks):
    """POST participants and let the outbox work through the operation; returns the report."""

    def post(flow, participants: list, **extra) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = app_client.post(
                participants_url(flow), {"participants": participants, **extra}, format="json"
            )
        assert response.status_code == 200, response.json()
        report = app_client.get(report_url(flow, response.json()["operationId"]))
        assert report.status_code == 200
        return report.json()

    return post


def email(address: str, **participant) -> dict:
    return {"identifyBy": {"identifier": address, "type": "EMAIL"}, **participant}
