"""The flows REST API: list/create, detail with the draft, draft saves with conflicts, publish, versions."""

import pytest

from flowdesigner.models import Flow, FlowVersion
from tests.factories import FlowFactory, TagFactory, UserFactory, two_step_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


def _user(role: str | None):
    if role == "admin":
        return UserFactory(is_superuser=True, is_staff=True)
    return UserFactory(roles=[role] if role else [])


def _broken_definition() -> dict:
    """A message with no text or buttons and an unconnected exit: issues on known node ids."""
    definition = two_step_definition(tags=[TagFactory().pk])
    ask = definition["nodes"][1]
    ask["config"] = {"text": "", "buttons": []}
    ask["exits"] = {}
    return definition


# --- list / create ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "list_status", "create_status"),
    [
        ("marketer", 200, 201),
        ("staff", 200, 403),
        ("enduser", 403, 403),
        (None, 403, 403),
        ("admin", 200, 201),
    ],
)
def test_flow_list_and_create_by_role(api_client, role, list_status, create_status):
    FlowFactory(name="Existing")
    api_client.force_login(_user(role))

    listed = api_client.get("/api/flows/")
    created = api_client.post("/api/flows/", {"name": "Welcome"}, format="json")

    assert listed.status_code == list_status
    if list_status == 200:
        assert [f["name"] for f in listed.json()["results"]] == ["Existing"]
    assert created.status_code == create_status
    assert Flow.objects.filter(name="Welcome").exists() == (create_status == 201)


def test_anonymous_callers_cannot_list_flows(api_client):
    assert api_client.get("/api/flows/").status_code in (401, 403)


def test_created_flow_starts_as_an_unpublished_draft(as_marketer, marketer):
    response = as_marketer.post(
        "/api/flows/", {"name": "  Welcome  ", "callback_url": "https://example.com/hook"}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Welcome"
    assert body["status"] == "draft"
    assert body["published_version"] is None
    assert body["callback_url"] == "https://example.com/hook"
    flow = Flow.objects.get(pk=body["id"])
    assert flow.created_by == marketer
    assert flow.draft_revision == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "X", "callback_url": "not a url"}, "callback_url")],
)
def test_flow_create_refuses_bad_fields(as_marketer, payload, field):
    response = as_marketer.post("/api/flows/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Flow.objects.exists()


def test_flow_status_cannot_be_set_through_the_api(as_marketer):
    flow = FlowFactory()

    response = as_marketer.patch(f"/api/flows/{flow.pk}/", {"name": "Renamed", "status": "active"})

    assert response.status_code == 200
    flow.refresh_from_db()
    assert (flow.name, flow.status) == ("Renamed", "draft")


def test_staff_cannot_edit_flow_settings(api_client, staff):
    flow = FlowFactory(name="Original")
    api_client.force_login(staff)

    response = api_client.patch(f"/api/flows/{flow.pk}/", {"name": "Renamed"}, format="json")

    assert response.status_code == 403
    flow.refresh_from_db()
    assert flow.name == "Original"


# --- detail and draft -----------------------------------------------------------------------


def test_detail_shows_the_draft_with_its_revision_and_issues(as_marketer):
    flow = FlowFactory(draft_definition=_broken_definition())

    response = as_marketer.get(f"/api/flows/{flow.pk}/")

    assert response.status_code == 200
    draft = response.json()["draft"]
    assert draft["definition"] == flow.draft_definition
    assert draft["revision"] == 1
    assert {issue["node_id"] for issue in draft["issues"]} >= {"ask"}
    assert all(set(issue) == {"code", "message", "node_id", "field"} for issue in draft["issues"])


def test_detail_of_an_unknown_flow_is_404(as_marketer):
    assert as_marketer.get("/api/flows/999999/").status_code == 404


def test_staff_can_read_a_flow_but_not_save_its_draft(api_client, staff):
    flow = FlowFactory()
    api_client.force_login(staff)

    assert api_client.get(f"/api/flows/{flow.pk}/").status_code == 200
    response = api_client.put(
        f"/api/flows/{flow.pk}/draft/",
        {"definition": {"spec_version": 1, "nodes": []}, "revision": 1},
        format="json",
    )
    assert response.status_code == 403
    flow.refresh_from_db()
    assert flow.draft_revision == 1


def test_draft_save_bumps_the_revision_and_returns_issues(as_marketer):
    flow = FlowFactory()
    definition = _broken_definition()

    response = as_marketer.put(
        f"/api/flows/{flow.pk}/draft/", {"definition": definition, "revision": 1}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 2
    assert "ask" in {issue["node_id"] for issue in body["issues"]}
    flow.refresh_from_db()
    assert (flow.draft_definition, flow.draft_revision) == (definition, 2)


def test_clean_draft_save_returns_no_issues(as_marketer):
    flow = FlowFactory()

    response = as_marketer.put(
        f"/api/flows/{flow.pk}/draft/",
        {"definition": two_step_definition(tags=[TagFactory().pk]), "revision": 1},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"revision": 2, "issues": []}


def test_stale_draft_save_is_refused_and_keeps_the_other_save(as_marketer):
    flow = FlowFactory()
    first = two_step_definition(tags=[1])
    second = two_step_definition(tags=[2])
    url = f"/api/flows/{flow.pk}/draft/"

    assert as_marketer.put(url, {"definition": first, "revision": 1}, format="json").status_code == 200
    # A second editor still holds revision 1.
    response = as_marketer.put(url, {"definition": second, "revision": 1}, format="json")

    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    assert response.json()["revision"] == 2
    flow.refresh_from_db()
    assert (flow.draft_definition, flow.draft_revision) == (first, 2)


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"definition": ["not", "an", "object"], "revision": 1}, "definition", "JSON object"),
        ({"definition": "text", "revision": 1}, "definition", "JSON object"),
        (
            {
                "definition": {
                    "spec_version": 1,
                    "nodes": [
                        {"id": f"n{i}", "type": "exit", "config": {}, "exits": {}} for i in range(2001)
                    ],
                },
                "revision": 1,
            },
            "definition",
            "at most 2000",
        ),
        ({"revision": 1}, "definition", ""),
        ({"definition": {"spec_version": 1, "nodes": []}}, "revision", ""),
        ({"definition": {"spec_version": 1, "nodes": []}, "revision": "one"}, "revision", ""),
    ],
    ids=["list", "string", "too-many-nodes", "no-definition", "no-revision", "bad-revision"],
)
def test_malformed_draft_is_refused_with_a_field_error_and_not_stored(as_marketer, payload, field, message):
    flow = FlowFactory()
    before = flow.draft_definition

    response = as_marketer.put(f"/api/flows/{flow.pk}/draft/", payload, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    assert message in " ".join(errors[field])
    flow.refresh_from_db()
    assert (flow.draft_definition, flow.draft_revision) == (before, 1)


def test_draft_save_to_an_unknown_flow_is_404(as_marketer):
    response = as_marketer.put(
        "/api/flows/999999/draft/",
        {"definition": {"spec_version": 1, "nodes": []}, "revision": 1},
        format="json",
    )
    assert response.status_code == 404


# --- publish and versions -------------------------------------------------------------------


def test_publish_with_issues_is_refused_listing_them_by_node(as_marketer):
    flow = FlowFactory(draft_definition=_broken_definition())

    response = as_marketer.post(f"/api/flows/{flow.pk}/publish/", {"revision": 1}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "issue" in body["detail"]
    assert "ask" in {issue["node_id"] for issue in body["issues"]}
    assert not FlowVersion.objects.exists()


def test_publish_numbers_versions_and_keeps_them_immutable(as_marketer):
    first = two_step_definition(tags=[TagFactory().pk])
    flow = FlowFactory(draft_definition=first)

    one = as_marketer.post(f"/api/flows/{flow.pk}/publish/", {"revision": 1}, format="json")
    second = two_step_definition(tags=[TagFactory().pk])
    saved = as_marketer.put(
        f"/api/flows/{flow.pk}/draft/", {"definition": second, "revision": 1}, format="json"
    )
    two = as_marketer.post(f"/api/flows/{flow.pk}/publish/", {"revision": 2}, format="json")
    later = as_marketer.put(
        f"/api/flows/{flow.pk}/draft/",
        {"definition": _broken_definition(), "revision": 2},
        format="json",
    )

    assert later.status_code == 200
    assert (one.status_code, one.json()["version"]) == (201, 1)
    assert saved.status_code == 200
    assert (two.status_code, two.json()["version"]) == (201, 2)
    versions = as_marketer.get(f"/api/flows/{flow.pk}/versions/").json()["results"]
    assert [v["number"] for v in versions] == [2, 1]
    assert as_marketer.get(f"/api/flows/{flow.pk}/versions/1/").json()["definition"] == first
    detail = as_marketer.get(f"/api/flows/{flow.pk}/").json()
    assert detail["published_version"] == 2
    assert detail["draft"]["revision"] == 3
    assert FlowVersion.objects.get(flow=flow, number=2).definition == second


def test_publishing_a_stale_revision_is_a_conflict(as_marketer):
    flow = FlowFactory(draft_definition=two_step_definition(tags=[TagFactory().pk]))
    saved = as_marketer.put(
        f"/api/flows/{flow.pk}/draft/", {"definition": flow.draft_definition, "revision": 1}, format="json"
    )
    assert saved.status_code == 200

    response = as_marketer.post(f"/api/flows/{flow.pk}/publish/", {"revision": 1}, format="json")

    assert response.status_code == 409
    assert "changed by someone else" in response.json()["detail"]
    assert not FlowVersion.objects.exists()


@pytest.mark.parametrize("revision", [None, "1", 1.5, True])
def test_publish_needs_a_whole_revision_number(as_marketer, revision):
    flow = FlowFactory(draft_definition=two_step_definition(tags=[TagFactory().pk]))

    response = as_marketer.post(f"/api/flows/{flow.pk}/publish/", {"revision": revision}, format="json")

    assert response.status_code == 400
    assert "revision" in response.json()
    assert not FlowVersion.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("enduser", 403)])
def test_only_marketers_publish(api_client, role, status):
    flow = FlowFactory(draft_definition=two_step_definition(tags=[TagFactory().pk]))
    api_client.force_login(_user(role))

    response = api_client.post(f"/api/flows/{flow.pk}/publish/", {"revision": 1}, format="json")

    assert response.status_code == status
    assert not FlowVersion.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("marketer", 200), ("staff", 200), ("enduser", 403)])
def test_versions_list_by_role(api_client, published_flow, role, status):
    flow, version, _ = published_flow()
    api_client.force_login(_user(role))

    response = api_client.get(f"/api/flows/{flow.pk}/versions/")

    assert response.status_code == status
    if status == 200:
        assert [v["number"] for v in response.json()["results"]] == [1]


def test_versions_of_an_unknown_flow_is_404(as_marketer):
    assert as_marketer.get("/api/flows/999999/versions/").status_code == 404


# --- validate and element types ---------------------------------------------------------------


def test_validate_returns_issues_without_saving_anything(as_marketer):
    flow = FlowFactory()

    response = as_marketer.post("/api/flows/validate/", {"definition": _broken_definition()}, format="json")

    assert response.status_code == 200
    assert "ask" in {issue["node_id"] for issue in response.json()["issues"]}
    flow.refresh_from_db()
    assert flow.draft_revision == 1


def test_validate_a_clean_definition(as_marketer):
    response = as_marketer.post(
        "/api/flows/validate/", {"definition": two_step_definition(tags=[TagFactory().pk])}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"issues": []}


@pytest.mark.parametrize("definition", [None, [1, 2], "text"])
def test_validate_refuses_what_is_not_a_definition(as_marketer, definition):
    response = as_marketer.post("/api/flows/validate/", {"definition": definition}, format="json")

    assert response.status_code == 400
    assert "definition" in response.json()


def test_element_types_list_the_palette_with_schemas_and_defaults(as_marketer):
    response = as_marketer.get("/api/element-types/")

    assert response.status_code == 200
    by_type = {t["type"]: t for t in response.json()}
    assert {"predefined_audience", "message", "exit"} <= set(by_type)
    for element in by_type.values():
        assert element["config_schema"]["type"] == "object"
        assert set(element["defaults"]) <= set(element["config_schema"]["properties"])
    assert by_type["predefined_audience"]["category"] == "entry"
    assert by_type["message"]["defaults"]["buttons"] == [{"id": "ok", "caption": "OK"}]
    assert by_type["exit"]["defaults"] == {"name": "Exit"}


def test_end_users_do_not_see_element_types(api_client, enduser):
    api_client.force_login(enduser)
    assert api_client.get("/api/element-types/").status_code == 403


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/flows/validate/", "definition"),
        ("/api/flows/{pk}/publish/", "revision"),
        ("/api/flows/{pk}/draft/", "non_field_errors"),
        ("/api/flows/", "non_field_errors"),
    ],
)
def test_a_body_that_is_not_an_object_gets_a_400(as_marketer, url, field):
    flow = FlowFactory(draft_definition=two_step_definition(tags=[TagFactory().pk]))
    method = as_marketer.put if url.endswith("draft/") else as_marketer.post

    response = method(url.format(pk=flow.pk), "[1, 2]", content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert not FlowVersion.objects.exists()
    assert Flow.objects.count() == 1
