"""GET .../participants/report for unknown operations, and DELETE .../participants (take a person out)."""

import pytest

from engine.models import Participant
from messaging.models import Message
from tests.factories import PersonFactory
from tests.flow_api.conftest import email, participants_url, report_url

pytestmark = pytest.mark.django_db


def test_the_report_of_another_flows_operation_is_a_404(flow, make_flow, add, app_client):
    other = make_flow()
    operation_id = add(other, [email("ann@example.com")])["operationId"]

    response = app_client.get(report_url(flow, operation_id))

    assert response.status_code == 404
    assert response.json() == {
        "errorCode": "40404",
        "errorMessage": f"Could not find operation {operation_id} of flow {flow.pk}.",
    }
    assert app_client.get(report_url(other, operation_id)).status_code == 200


@pytest.mark.parametrize("operation_id", ["0f0e8e9c-2a8b-4a51-9c11-3f5b0a0e3c11", "not-a-uuid", "%00"])
def test_an_unknown_operation_is_a_404(flow, app_client, operation_id):
    response = app_client.get(report_url(flow, operation_id))

    assert response.status_code == 404
    assert response.json()["errorCode"] == "40404"


def test_the_report_needs_an_operation_id(flow, app_client):
    response = app_client.get(f"/moments/1/flows/{flow.pk}/participants/report")

    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "40001",
        "errorMessage": "Mandatory parameter operationId is absent.",
    }


def test_the_report_of_an_unknown_flow_is_a_404(flow, add, app_client):
    operation_id = add(flow, [email("ann@example.com")])["operationId"]

    response = app_client.get(f"/moments/1/flows/0/participants/report?operationId={operation_id}")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "40401"


# --- removal ----------------------------------------------------------------------------------------------


def remove(client, flow, identifier: str, type_name: str):
    return client.delete(f"{participants_url(flow)}?identifier={identifier}&type={type_name}")


def test_a_person_is_taken_out_of_the_flow(flow, add, app_client):
    add(flow, [email("ann@example.com")])
    participant = Participant.objects.get()

    response = remove(app_client, flow, "ANN@example.com", "EMAIL")

    assert response.status_code == 200
    assert response.json() == {"removed": 1}
    participant.refresh_from_db()
    assert participant.status == Participant.Status.EXITED
    # The open message can no longer be answered.
    assert Message.objects.get(participant=participant).status == Message.Status.EXPIRED
    second = remove(app_client, flow, "ann@example.com", "EMAIL")
    assert second.status_code == 400
    assert second.json() == {
        "errorCode": "40006",
        "errorMessage": f"The person with EMAIL ann@example.com is not in flow {flow.pk}.",
    }


def test_removing_someone_nobody_knows_is_a_404(flow, app_client):
    response = remove(app_client, flow, "%2B32470123456", "PHONE")

    assert response.status_code == 404
    assert response.json() == {
        "errorCode": "40402",
        "errorMessage": "Could not find a person with PHONE +32470123456.",
    }


def test_removing_a_person_who_never_entered_is_refused_as_not_in_flow(flow, app_client):
    PersonFactory(external_id="crm-1")

    response = remove(app_client, flow, "crm-1", "EXTERNAL_ID")

    assert response.status_code == 400
    assert response.json()["errorCode"] == "40006"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Mandatory parameters are absent: give identifier and type."),
        ("?identifier=ann@example.com", "Mandatory parameters are absent: give identifier and type."),
        ("?identifier=ann@example.com&type=FACEBOOK", "type: must be one of EMAIL, PHONE, EXTERNAL_ID."),
        ("?identifier=ann&type=EMAIL", "identifier: not an email address."),
        ("?identifier=a%00b&type=EXTERNAL_ID", "identifier or type contains the NUL character"),
    ],
)
def test_removing_needs_a_valid_identifier_and_type(flow, app_client, query, message):
    response = app_client.delete(participants_url(flow) + query)

    assert response.status_code == 400
    assert response.json()["errorCode"] == "40001"
    assert response.json()["errorMessage"].startswith(message)


def test_removing_from_an_unknown_flow_is_a_404(app_client, db):
    response = app_client.delete("/moments/1/flows/12345/participants?identifier=a@example.com&type=EMAIL")

    assert response.status_code == 404
    assert response.json()["errorCode"] == "40401"
