"""POST /moments/1/flows/{flowId}/participants: the answer at once, the report, and every refusal of a
whole request in Infobip's error shape. Outbox events run in-process after commit (OUTBOX_RELAY_ALL)."""

import json
import uuid

import pytest

from engine.flow_api.models import FlowApiOperation
from engine.models import Participant
from flowdesigner.models import Flow
from messaging.models import Message
from people.models import Person
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from tests.flow_api.conftest import FIRST_MESSAGE, email, participants_url, report_url

pytestmark = pytest.mark.django_db


def post_raw(client, flow, body: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", participants_url(flow), body, content_type=content_type)


def assert_error(response, status: int, code: str, message: str = "") -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["errorCode"] == code
    assert message in body["errorMessage"]
    return body


# --- success ---------------------------------------------------------------------------------------------


def test_the_answer_is_an_operation_id_and_the_report_shows_the_work_pending_then_completed(flow, app_client):
    response = app_client.post(
        participants_url(flow),
        {"participants": [email("ann@example.com"), email("bo@example.com")], "callbackData": "batch 7"},
        format="json",
    )

    assert response.status_code == 200
    assert set(response.json()) == {"operationId"}
    operation_id = response.json()["operationId"]
    assert str(uuid.UUID(operation_id)) == operation_id
    pending = app_client.get(report_url(flow, operation_id)).json()
    assert pending == {
        "operationId": operation_id,
        "campaignId": flow.pk,
        "flowId": flow.pk,
        "callbackData": "batch 7",
        "status": "PENDING",
        "participants": [
            {"identifyBy": {"identifier": "ann@example.com", "type": "EMAIL"}, "status": "PENDING"},
            {"identifyBy": {"identifier": "bo@example.com", "type": "EMAIL"}, "status": "PENDING"},
        ],
    }
    assert not Person.objects.exists()  # nothing done yet: the worker does it

    drain()

    done = app_client.get(report_url(flow, operation_id)).json()
    assert done["status"] == "COMPLETED"
    assert [p["status"] for p in done["participants"]] == ["ACCEPTED", "ACCEPTED"]


def test_an_accepted_participant_is_created_entered_with_its_variables_and_gets_the_first_message(flow, add):
    report = add(
        flow,
        [
            email(
                "Ann@Example.com",
                variables={"orderNumber": "1167", "city": "Ghent"},
                person={
                    "firstName": "Ann",
                    "lastName": "Lee",
                    "contactInformation": {"phone": [{"number": "32470123456"}]},
                },
            )
        ],
    )

    assert report["participants"] == [
        {"identifyBy": {"identifier": "Ann@Example.com", "type": "EMAIL"}, "status": "ACCEPTED"}
    ]
    person = Person.objects.get()
    assert (person.email, person.phone, person.first_name, person.last_name) == (
        "ann@example.com",
        "+32470123456",
        "Ann",
        "Lee",
    )
    assert person.created_via == f"flow api:{flow.pk}"
    participant = Participant.objects.get(person=person)
    assert participant.version.flow == flow
    assert participant.state["variables"] == {"orderNumber": 1167, "city": "Ghent"}
    assert list(Message.objects.filter(person=person).values_list("text", flat=True)) == [FIRST_MESSAGE]


def test_the_operation_keeps_its_counts_and_key(flow, add, api_key):
    add(flow, [email("ann@example.com"), email("not-an-email")])

    operation = FlowApiOperation.objects.get()
    assert (operation.total, operation.accepted, operation.rejected) == (2, 1, 1)
    assert operation.status == FlowApiOperation.Status.COMPLETED
    assert operation.finished_at is not None
    assert api_key.startswith(operation.api_key.prefix)


def test_a_large_operation_is_worked_through_in_slices(flow, app_client, settings):
    settings.FLOW_API_SLICE_SECONDS = 0  # one batch per slice: every slice queues the next
    participants = [email(f"person{i}@example.com") for i in range(120)]

    response = app_client.post(participants_url(flow), {"participants": participants}, format="json")
    drain()

    report = app_client.get(report_url(flow, response.json()["operationId"])).json()
    assert report["status"] == "COMPLETED"
    assert [p["status"] for p in report["participants"]] == ["ACCEPTED"] * 120
    assert OutboxEvent.objects.filter(topic="flow_api.process").count() == 3  # 50 + 50 + 20
    assert Message.objects.filter(text=FIRST_MESSAGE).count() == 120


def test_a_thousand_participants_make_one_operation(flow, app_client):
    participants = [email(f"p{i}@example.com") for i in range(1000)]

    response = app_client.post(participants_url(flow), {"participants": participants}, format="json")

    assert response.status_code == 200
    report = app_client.get(report_url(flow, response.json()["operationId"])).json()
    assert [p["identifyBy"]["identifier"] for p in report["participants"]] == [
        f"p{i}@example.com" for i in range(1000)
    ]


# --- refusals of the whole request -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"participants": []}, "Number of participants must be between 1 and 1000. Received: 0"),
        (
            {"participants": [email(f"p{i}@example.com") for i in range(1001)]},
            "Number of participants must be between 1 and 1000. Received: 1001",
        ),
        ({}, "Mandatory fields are absent: [participants]"),
        ({"participants": None}, "Mandatory fields are absent: [participants]"),
        ({"participants": {"identifyBy": {}}}, "participants: must be an array of participants."),
        ([email("ann@example.com")], "The body must be a JSON object with participants."),
        (
            {"participants": [email("a@example.com")], "notifyUrl": "ftp://example.com/x"},
            "notifyUrl: must be an",
        ),
        (
            {"participants": [email("a@example.com")], "notifyUrl": "http://[::1"},
            "notifyUrl: not a valid URL.",
        ),
        ({"participants": [email("a@example.com")], "notifyUrl": 7}, "notifyUrl: must be a string."),
        (
            {"participants": [email("a@example.com")], "callbackData": "x" * 2001},
            "callbackData: at most 2000",
        ),
        (
            {"participants": [email("a@example.com", person={"firstName": "Ann\u0000"})]},
            "participants[0].person.firstName: contains the NUL character",
        ),
        (
            {"participants": [email("a@example.com", variables={"bad\u0000key": 1})]},
            "participants[0].variables: a key that contains the NUL character",
        ),
    ],
)
def test_a_body_that_cannot_be_an_operation_is_refused_and_nothing_is_stored(flow, app_client, body, message):
    response = post_raw(app_client, flow, json.dumps(body))

    assert_error(response, 400, "40001", message)
    assert not FlowApiOperation.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('{"participants": [', "The body is not valid JSON: Expecting value"),
        ('{"participants": [{"identifyBy": {"identifier": NaN}}]}', "NaN is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (b"\xff\xfe{}", "The body is not UTF-8 text."),
        ('{"participants": ["\\ud800"]}', "participants[0]: contains an unpaired surrogate"),
        ('{"participants": [{"variables": {"n": 1e400}}]}', "the number 1e400 is too large"),
        (
            '{"participants": [{"variables": {"v": ' + "[" * 40 + "]" * 40 + "}}]}",
            "nested deeper than 32 levels",
        ),
    ],
)
def test_malformed_json_is_a_400_with_the_reason(flow, app_client, raw, message):
    assert_error(post_raw(app_client, flow, raw), 400, "40001", message)


def test_a_body_over_the_limit_is_a_413(flow, app_client, settings):
    settings.FLOW_API_MAX_BODY_BYTES = 2000
    body = json.dumps({"participants": [email(f"person{i}@example.com") for i in range(60)]})

    response = post_raw(app_client, flow, body)

    assert_error(response, 413, "41301", "larger than 2000 bytes")
    assert not FlowApiOperation.objects.exists()


def test_a_body_that_is_not_json_is_a_415(flow, app_client):
    response = post_raw(app_client, flow, "participants=1", content_type="application/x-www-form-urlencoded")

    assert_error(response, 415, "41501", "Content-Type: application/json")


def test_an_accept_header_never_turns_the_answer_into_html(flow, app_client):
    response = app_client.post(
        participants_url(flow), {"participants": []}, format="json", HTTP_ACCEPT="text/html"
    )

    assert_error(response, 400, "40001")
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("flow_id", ["999999", "abc", "9" * 40, "-1", "\u00b2", "%C2%B2"])
def test_an_unknown_flow_is_a_404(flow, app_client, flow_id):
    response = app_client.post(
        f"/moments/1/flows/{flow_id}/participants", {"participants": [email("a@example.com")]}, format="json"
    )

    assert_error(response, 404, "40401", "Could not find flow")


@pytest.mark.parametrize("status", [Flow.Status.DRAFT, Flow.Status.PAUSED, Flow.Status.FINISHED])
def test_a_flow_that_is_not_active_refuses_participants(make_flow, app_client, status):
    flow = make_flow(status=status)

    response = app_client.post(
        participants_url(flow), {"participants": [email("a@example.com")]}, format="json"
    )

    assert_error(response, 400, "40005", f"Flow {flow.pk} is not active (it is {status})")
    assert not FlowApiOperation.objects.exists()


def test_a_flow_without_a_flow_api_entry_point_refuses_participants(make_flow, app_client):
    flow = make_flow(entry="existing_flow")

    response = app_client.post(
        participants_url(flow), {"participants": [email("a@example.com")]}, format="json"
    )

    assert_error(response, 400, "40007", "has no Flow API entry point")


def test_an_active_flow_never_published_refuses_participants(app_client, db):
    from tests.factories import FlowFactory

    flow = FlowFactory(status=Flow.Status.ACTIVE)

    response = app_client.post(
        participants_url(flow), {"participants": [email("a@example.com")]}, format="json"
    )

    assert_error(response, 400, "40005", "has no published version")


def test_get_on_the_participants_path_is_a_405_in_the_same_shape(flow, app_client):
    assert_error(app_client.get(participants_url(flow)), 405, "40501")
