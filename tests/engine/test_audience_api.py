"""The real-time audience API (staff add and remove people by hand) and the entries API (the flows with
entry points of a type, for the canvas's "Add to flow"), with each role, and both in the OpenAPI schema."""

import json

import pytest
from rest_framework.authtoken.models import Token

from engine import activation
from engine.models import EntryRefusal, Participant
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.models import Message
from tests.factories import FlowFactory, PersonFactory, TagFactory, two_step_definition

pytestmark = pytest.mark.django_db


def _publish(doc: dict, *, name: str = "Welcome") -> Flow:
    flow = FlowFactory(name=name, draft_definition=doc)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    return flow


def realtime_flow(*, reentry: str = "any_time", active: bool = True) -> Flow:
    doc = two_step_definition(tags=[TagFactory().pk])
    doc["nodes"][0]["config"]["update"] = "realtime"
    doc["settings"] = {"reentry": reentry}
    flow = _publish(doc)
    return activation.flow_activate(flow_id=flow.pk) if active else flow


@pytest.fixture
def as_staff(api_client, staff):
    api_client.force_login(staff)
    return api_client


# --- POST /api/flows/<pk>/audience/ ----------------------------------------------------------------------


def test_adding_a_person_enters_them_and_queues_the_first_message(as_staff):
    flow = realtime_flow()
    ann = PersonFactory()

    response = as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json")

    assert response.status_code == 201
    participant = Participant.objects.get(pk=response.json()["participant"])
    assert (participant.person, participant.version.flow, participant.status) == (ann, flow, "waiting")
    assert list(Message.objects.filter(participant=participant).values_list("text", flat=True)) == [
        "Coming on Friday?"
    ]


def test_a_refusal_is_409_with_the_reason_and_kept_for_the_timeline(as_staff):
    flow = realtime_flow(reentry="after_leaving")
    ann = PersonFactory()
    as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json")

    response = as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json")

    reason = "Still in this flow; it lets people enter again only after they leave."
    assert (response.status_code, response.json()) == (409, {"detail": reason})
    assert Participant.objects.filter(person=ann).count() == 1
    refusal = EntryRefusal.objects.get(person=ann)
    assert (refusal.flow, refusal.reason, refusal.source) == (flow, reason, "added by staff")


@pytest.mark.parametrize(
    ("make", "detail"),
    [
        (
            lambda: activation.flow_activate(
                flow_id=_publish(two_step_definition(tags=[TagFactory().pk])).pk
            ),
            "People can be added by hand only while the flow's audience updates in real time.",
        ),
        (lambda: realtime_flow(active=False), "The flow is not active: activate it before adding people."),
    ],
    ids=["static audience", "not active"],
)
def test_a_flow_that_takes_nobody_by_hand_is_400(as_staff, make, detail):
    flow = make()

    response = as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": PersonFactory().pk}, format="json")

    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert not Participant.objects.exists()


@pytest.mark.parametrize("body", [{"person": 999999}, {"person": "ann"}, {}, ["x"]])
def test_bad_bodies_are_400_field_errors(as_staff, body):
    flow = realtime_flow()

    response = as_staff.post(f"/api/flows/{flow.pk}/audience/", body, format="json")

    assert response.status_code == 400
    assert "person" in response.json() or "non_field_errors" in response.json()
    assert not Participant.objects.exists()


def test_an_unknown_flow_is_404(as_staff):
    assert as_staff.post("/api/flows/999999/audience/", {"person": 1}, format="json").status_code == 404
    assert as_staff.delete("/api/flows/999999/audience/1/").status_code == 404


def test_token_authentication_works(api_client, staff):
    flow = realtime_flow()
    token = Token.objects.create(user=staff)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.post(
        f"/api/flows/{flow.pk}/audience/", {"person": PersonFactory().pk}, format="json"
    )

    assert response.status_code == 201


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("marketer", 403), ("enduser", 403)])
def test_only_staff_add_or_remove(api_client, request, role, status):
    flow = realtime_flow()
    ann = PersonFactory()
    if role:
        api_client.force_login(request.getfixturevalue(role))

    assert (
        api_client.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json").status_code
        == status
    )
    assert api_client.delete(f"/api/flows/{flow.pk}/audience/{ann.pk}/").status_code == status
    assert not Participant.objects.exists()


# --- DELETE /api/flows/<pk>/audience/<person_id>/ ------------------------------------------------------


def test_removing_a_person_ends_their_run_and_closes_their_message(as_staff):
    flow = realtime_flow()
    ann = PersonFactory()
    added = as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json").json()

    response = as_staff.delete(f"/api/flows/{flow.pk}/audience/{ann.pk}/")

    assert response.status_code == 204
    participant = Participant.objects.get(pk=added["participant"])
    assert participant.status == "exited"
    assert Message.objects.get(participant=participant).status == "expired"
    again = as_staff.delete(f"/api/flows/{flow.pk}/audience/{ann.pk}/")
    assert (again.status_code, again.json()) == (404, {"detail": "This person is not in the flow."})


def test_removing_an_unknown_person_is_404(as_staff):
    flow = realtime_flow()

    assert as_staff.delete(f"/api/flows/{flow.pk}/audience/999999/").status_code == 404


def test_removing_leaves_the_persons_other_flows_alone(as_staff):
    first, second = realtime_flow(), realtime_flow()
    ann = PersonFactory()
    for flow in (first, second):
        as_staff.post(f"/api/flows/{flow.pk}/audience/", {"person": ann.pk}, format="json")

    as_staff.delete(f"/api/flows/{first.pk}/audience/{ann.pk}/")

    statuses = dict(Participant.objects.values_list("version__flow_id", "status"))
    assert statuses == {first.pk: "exited", second.pk: "waiting"}


# --- GET /api/flows/entries/?type= -----------------------------------------------------------------------


def existing_flow_definition(*, label: str | None = None) -> dict:
    doc = two_step_definition(tags=[TagFactory().pk])
    doc["nodes"][1:1] = [
        {"id": "from_other", "type": "existing_flow", "config": {}, "exits": {"next": "ask"}},
        {"id": "also", "type": "existing_flow", "config": {}, "exits": {"next": "ask"}},
    ]
    if label:
        doc["ui"] = {"nodes": {"from_other": {"x": 1, "y": 2, "label": label}}}
    return doc


def test_entries_lists_the_flows_with_entry_points_of_the_type(api_client, marketer):
    handover = _publish(existing_flow_definition(label="From onboarding"), name="Handover")
    activation.flow_activate(flow_id=handover.pk)
    _publish(two_step_definition(tags=[TagFactory().pk]), name="Plain")  # no Existing Flow entry
    FlowFactory(name="Draft only", draft_definition=existing_flow_definition())  # never published
    api_client.force_login(marketer)

    response = api_client.get("/api/flows/entries/", {"type": "existing_flow"})

    assert response.status_code == 200
    assert response.json() == [
        {
            "flow": handover.pk,
            "name": "Handover",
            "status": "active",
            "entries": [
                {"id": "from_other", "label": "From onboarding"},
                {"id": "also", "label": "Existing Flow (also)"},
            ],
        }
    ]


def test_entries_reads_the_latest_published_version_only(api_client, staff):
    flow = _publish(existing_flow_definition(), name="Changing")
    doc = two_step_definition(tags=[TagFactory().pk])  # version 2 drops its Existing Flow entries
    Flow.objects.filter(pk=flow.pk).update(draft_definition=doc)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    api_client.force_login(staff)

    assert api_client.get("/api/flows/entries/", {"type": "existing_flow"}).json() == []
    body = api_client.get("/api/flows/entries/", {"type": "predefined_audience"}).json()
    assert body == [
        {
            "flow": flow.pk,
            "name": "Changing",
            "status": "draft",
            "entries": [{"id": "audience", "label": "Predefined Audience (audience)"}],
        }
    ]


@pytest.mark.parametrize(
    ("query", "problem"),
    [({"type": "message"}, "'message' is not an entry point type"), ({}, "Give a type")],
)
def test_entries_of_an_unknown_type_is_400(api_client, marketer, query, problem):
    api_client.force_login(marketer)

    response = api_client.get("/api/flows/entries/", query)

    assert response.status_code == 400
    [message] = response.json()["type"]
    assert message.startswith(problem + "; use one of: ")
    assert "existing_flow" in message and "predefined_audience" in message


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("enduser", 403), ("staff", 200), ("marketer", 200)]
)
def test_entries_is_for_marketers_and_staff(api_client, request, role, status):
    if role:
        api_client.force_login(request.getfixturevalue(role))

    assert api_client.get("/api/flows/entries/", {"type": "existing_flow"}).status_code == status


def test_both_apis_are_in_the_openapi_schema(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)

    paths = schema["paths"]
    assert set(paths["/api/flows/{id}/audience/"]) == {"post"}
    assert set(paths["/api/flows/{id}/audience/"]["post"]["responses"]) >= {"201", "400", "409"}
    assert set(paths["/api/flows/{id}/audience/{person_id}/"]) == {"delete"}
    assert [p["name"] for p in paths["/api/flows/entries/"]["get"]["parameters"]] == ["type"]
