"""The flow's Flow API pages (operations, one operation's participants) and the OpenAPI schema."""

import json
import re

import pytest

from engine.flow_api.models import FlowApiOperation
from flowdesigner.models import Flow
from tests.flow_api.conftest import email

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def test_the_operations_page_lists_operations_with_counts_and_how_to_call_the_endpoint(
    client, marketer, flow, add
):
    add(flow, [email("ann@example.com"), email("bad")])
    operation = FlowApiOperation.objects.get()
    client.force_login(marketer)

    response = client.get(f"/flows/{flow.pk}/api-operations/")

    assert response.status_code == 200
    html = response.content.decode()
    endpoint = f"http://testserver/moments/1/flows/{flow.pk}/participants"
    assert f"POST {endpoint}" in html
    curl = re.search(r'<pre data-testid="curl-example">(.*?)</pre>', html, re.S).group(1)
    assert f"curl -X POST '{endpoint}'" in curl
    assert "Authorization: App YOUR_API_KEY" in curl
    assert "&quot;orderNumber&quot;: 42" in curl and "&quot;city&quot;: &quot;text&quot;" in curl
    row = re.search(rf'<tr data-operation="{operation.uuid}">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="accepted">1</td>' in row and '<td class="rejected">1</td>' in row
    assert "Completed" in row


def test_the_operations_page_says_why_the_flow_takes_nobody(client, staff, make_flow):
    flow = make_flow(status=Flow.Status.PAUSED)
    client.force_login(staff)

    html = client.get(f"/flows/{flow.pk}/api-operations/").content.decode()

    assert f"Flow {flow.pk} is not active (it is paused)" in html
    assert "No operations yet." in html


def test_an_operation_page_lists_each_participant_with_its_reason_as_plain_text(client, staff, flow, add):
    add(flow, [email("ann@example.com", person={"firstName": HOSTILE}), email(HOSTILE)])
    operation = FlowApiOperation.objects.get()
    client.force_login(staff)

    response = client.get(f"/flows/{flow.pk}/api-operations/{operation.uuid}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<tr data-index="0" data-status="ACCEPTED">' in html
    rejected = re.search(r'<tr data-index="1" data-status="REJECTED">(.*?)</tr>', html, re.S).group(1)
    assert "REJECTED_INVALID_CONTACT" in rejected
    assert "participants[1].identifyBy.identifier: not an email address." in rejected
    assert "2 participants: 1 accepted, 1 rejected." in html


def test_operation_pages_need_a_marketer_or_staff(client, enduser, flow, add):
    add(flow, [email("ann@example.com")])
    operation = FlowApiOperation.objects.get()
    client.force_login(enduser)

    assert client.get(f"/flows/{flow.pk}/api-operations/").status_code == 403
    assert client.get(f"/flows/{flow.pk}/api-operations/{operation.uuid}/").status_code == 403


def test_an_operation_is_shown_only_under_its_own_flow(client, staff, flow, make_flow, add):
    add(flow, [email("ann@example.com")])
    operation = FlowApiOperation.objects.get()
    other = make_flow()
    client.force_login(staff)

    assert client.get(f"/flows/{other.pk}/api-operations/{operation.uuid}/").status_code == 404


def test_the_openapi_schema_describes_the_flow_api(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    participants = schema["paths"]["/moments/1/flows/{flowId}/participants"]
    assert {"post", "delete"} <= set(participants)
    assert participants["post"]["security"] == [{"AppKey": []}]
    body = participants["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert {"participants", "notifyUrl", "callbackData"} <= set(request["properties"])
    report = schema["paths"]["/moments/1/flows/{flowId}/participants/report"]["get"]
    report_schema = report["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = schema["components"]["schemas"]["FlowApiParticipantResult"]
    reason = result["properties"]["errorReason"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
    assert "REJECTED_PERSON_NOT_ALLOWED_TO_REENTER" in schema["components"]["schemas"][reason]["enum"]
    assert report_schema.endswith("/FlowApiReport")
    assert schema["components"]["securitySchemes"]["AppKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "An API key created by staff on /api-keys/, sent as `App <key>`.",
    }
