"""End to end through real processes: daphne answers the POST, the engine worker (`manage.py worker`) works
through the operation from the outbox, and the person gets the flow's first message."""

import json
import time
import urllib.error
import urllib.request

from engine.flow_api import keys
from messaging.models import Message
from people.models import Person
from tests.e2e.conftest import live_stack, live_stack_env  # noqa: F401 (the fixtures: daphne + worker + qcluster)
from tests.flow_api.conftest import FIRST_MESSAGE, flow_document

DEADLINE_SECONDS = 60


def call(method: str, url: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"App {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (our loopback server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_participants_added_over_http_are_processed_by_the_worker(live_stack):  # noqa: F811
    from flowdesigner import services as flow_services
    from flowdesigner.models import Flow
    from tests.factories import FlowFactory

    flow = FlowFactory(draft_definition=flow_document(variables={"orderNumber": "number"}))
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.ACTIVE)
    key = keys.api_key_create(name="live").secret
    base = f"{live_stack}/moments/1/flows/{flow.pk}/participants"

    status, answer = call(
        "POST",
        base,
        key,
        {
            "participants": [
                {
                    "identifyBy": {"identifier": "ann@example.com", "type": "EMAIL"},
                    "variables": {"orderNumber": 7},
                },
                {"identifyBy": {"identifier": "not an email", "type": "EMAIL"}},
            ]
        },
    )
    assert status == 200, answer

    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        status, report = call("GET", f"{base}/report?operationId={answer['operationId']}", key)
        assert status == 200, report
        if report["status"] == "COMPLETED" or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert report["status"] == "COMPLETED", "the worker did not finish the operation in time"
    assert [p["status"] for p in report["participants"]] == ["ACCEPTED", "REJECTED"]
    assert report["participants"][1]["errorReason"] == "REJECTED_INVALID_CONTACT"
    person = Person.objects.get(email="ann@example.com")
    assert person.created_via == f"flow api:{flow.pk}"
    assert list(Message.objects.filter(person=person).values_list("text", flat=True)) == [FIRST_MESSAGE]
