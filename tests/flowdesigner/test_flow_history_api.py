"""The flow history API: the light versions list (who and when), one version with its definition, and
restoring a version as the draft (through the draft save: a new revision, its issues, 409 when stale)."""

import copy

import pytest

from flowdesigner.models import Flow, FlowVersion
from tests.factories import FlowFactory, TagFactory, UserFactory, two_step_definition

pytestmark = pytest.mark.django_db


def _user(role: str | None):
    if role == "admin":
        return UserFactory(is_superuser=True, is_staff=True)
    return UserFactory(roles=[role] if role else [])


@pytest.fixture
def mia():
    return UserFactory(username="mia", first_name="Mia", last_name="Peeters", roles=["marketer"])


@pytest.fixture
def as_mia(api_client, mia):
    api_client.force_login(mia)
    return api_client


def _with_text(definition: dict, text: str) -> dict:
    changed = copy.deepcopy(definition)
    changed["nodes"][1]["config"]["text"] = text
    return changed


@pytest.fixture
def two_versions(as_mia):
    """A flow published twice by Mia (v1 asks "Coming on Friday?", v2 "Coming on Saturday?"), and a
    draft at revision 3 that is v2 plus an extra Exit."""
    first = two_step_definition(tags=[TagFactory().pk])
    second = _with_text(first, "Coming on Saturday?")
    flow = FlowFactory(draft_definition=first)
    assert as_mia.post(f"/api/flows/{flow.pk}/publish/", {"revision": 1}, format="json").status_code == 201
    assert (
        as_mia.put(f"/api/flows/{flow.pk}/draft/", {"definition": second, "revision": 1}, format="json")
    ).status_code == 200
    assert as_mia.post(f"/api/flows/{flow.pk}/publish/", {"revision": 2}, format="json").status_code == 201
    third = copy.deepcopy(second)
    third["nodes"].append({"id": "extra", "type": "exit", "config": {"name": "Extra"}, "exits": {}})
    assert (
        as_mia.put(f"/api/flows/{flow.pk}/draft/", {"definition": third, "revision": 2}, format="json")
    ).status_code == 200
    return flow, first, second


# --- the list -------------------------------------------------------------------------------------


def test_versions_list_says_who_published_each_and_when_without_definitions(as_mia, two_versions):
    flow, first, _second = two_versions

    response = as_mia.get(f"/api/flows/{flow.pk}/versions/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(v["number"], v["published_by"], v["element_count"]) for v in results] == [
        (2, "Mia Peeters", len(first["nodes"])),
        (1, "Mia Peeters", len(first["nodes"])),
    ]
    assert all("definition" not in v for v in results)
    published = {v.number: v.published_at.isoformat() for v in FlowVersion.objects.filter(flow=flow)}
    assert {v["number"]: v["published_at"].replace("Z", "+00:00") for v in results} == published


def test_a_version_published_by_a_deleted_user_or_nobody_names_no_one(as_mia, published_flow):
    flow, _version, _tag = published_flow()  # published by a service call, without a user

    results = as_mia.get(f"/api/flows/{flow.pk}/versions/").json()["results"]

    assert [(v["number"], v["published_by"]) for v in results] == [(1, None)]


def test_a_publisher_without_a_full_name_is_named_by_username(api_client, published_flow):
    flow, version, _tag = published_flow()
    bob = UserFactory(username="bob", first_name="", last_name="", roles=["marketer"])
    version.published_by = bob
    version.save(update_fields=["published_by"])
    api_client.force_login(bob)

    results = api_client.get(f"/api/flows/{flow.pk}/versions/").json()["results"]

    assert results[0]["published_by"] == "bob"


# --- one version ----------------------------------------------------------------------------------


def test_one_version_comes_with_its_definition(as_mia, two_versions):
    flow, first, second = two_versions

    one = as_mia.get(f"/api/flows/{flow.pk}/versions/1/")
    two = as_mia.get(f"/api/flows/{flow.pk}/versions/2/")

    assert one.status_code == two.status_code == 200
    assert (one.json()["number"], one.json()["definition"]) == (1, first)
    assert (two.json()["published_by"], two.json()["definition"]) == ("Mia Peeters", second)


@pytest.mark.parametrize(
    "path",
    [
        "/api/flows/{flow}/versions/3/",
        "/api/flows/999999/versions/1/",
        # Beyond 64 bits (found by the schema fuzzer: a 500 on SQLite).
        "/api/flows/1642167013277961289728/versions/415/",
        "/api/flows/{flow}/versions/1642167013277961289728/",
    ],
)
def test_an_unknown_version_or_flow_is_404(as_mia, two_versions, path):
    flow, _first, _second = two_versions

    assert as_mia.get(path.format(flow=flow.pk)).status_code == 404
    assert (
        as_mia.post(path.format(flow=flow.pk) + "restore/", {"revision": 3}, format="json").status_code == 404
    )


def test_a_version_of_another_flow_is_not_found_through_this_one(as_mia, two_versions, published_flow):
    _flow, _first, _second = two_versions
    other, _version, _tag = published_flow()
    FlowVersion.objects.filter(flow=other).delete()

    assert as_mia.get(f"/api/flows/{other.pk}/versions/1/").status_code == 404


# --- restore --------------------------------------------------------------------------------------


def test_restoring_a_version_makes_it_the_draft_as_a_new_revision(as_mia, two_versions):
    flow, first, _second = two_versions

    response = as_mia.post(f"/api/flows/{flow.pk}/versions/1/restore/", {"revision": 3}, format="json")

    assert response.status_code == 200
    assert response.json() == {"revision": 4, "issues": []}
    flow.refresh_from_db()
    assert (flow.draft_definition, flow.draft_revision) == (first, 4)
    detail = as_mia.get(f"/api/flows/{flow.pk}/").json()
    assert (detail["draft"]["definition"], detail["draft"]["revision"]) == (first, 4)
    # The versions themselves are untouched, and restoring publishes nothing.
    assert FlowVersion.objects.filter(flow=flow).count() == 2
    assert FlowVersion.objects.get(flow=flow, number=1).definition == first


def test_the_restored_draft_reports_its_issues_as_a_save_would(as_mia):
    broken = two_step_definition(tags=[TagFactory().pk])
    broken["nodes"][1]["exits"]["no"] = None  # an unconnected exit: a draft issue, not a publish blocker here
    flow = FlowFactory(draft_definition=broken)
    FlowVersion.objects.create(flow=flow, number=1, definition=broken)

    restored = as_mia.post(f"/api/flows/{flow.pk}/versions/1/restore/", {"revision": 1}, format="json")
    saved = as_mia.put(f"/api/flows/{flow.pk}/draft/", {"definition": broken, "revision": 2}, format="json")

    assert restored.status_code == saved.status_code == 200
    assert restored.json()["issues"] == saved.json()["issues"] != []


def test_restoring_on_a_stale_revision_is_a_conflict_and_changes_nothing(as_mia, two_versions):
    flow, _first, second = two_versions
    before = Flow.objects.get(pk=flow.pk).draft_definition

    response = as_mia.post(f"/api/flows/{flow.pk}/versions/1/restore/", {"revision": 2}, format="json")

    assert response.status_code == 409
    assert response.json()["revision"] == 3
    assert "changed by someone else" in response.json()["detail"]
    flow.refresh_from_db()
    assert (flow.draft_definition, flow.draft_revision) == (before, 3)
    assert flow.draft_definition != second  # still the draft with the extra Exit


@pytest.mark.parametrize("body", [{}, {"revision": "3"}, {"revision": 2.5}, {"revision": True}, []])
def test_restore_needs_a_whole_revision_number(as_mia, two_versions, body):
    flow, _first, _second = two_versions

    response = as_mia.post(f"/api/flows/{flow.pk}/versions/1/restore/", body, format="json")

    assert response.status_code == 400
    assert "revision" in response.json()
    assert Flow.objects.get(pk=flow.pk).draft_revision == 3


# --- permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read_status", "restore_status"),
    [
        ("marketer", 200, 200),
        ("staff", 200, 403),
        ("enduser", 403, 403),
        (None, 403, 403),
        ("admin", 200, 200),
    ],
)
def test_history_by_role(api_client, two_versions, role, read_status, restore_status):
    flow, first, _second = two_versions
    api_client.logout()
    api_client.force_login(_user(role))

    listed = api_client.get(f"/api/flows/{flow.pk}/versions/")
    one = api_client.get(f"/api/flows/{flow.pk}/versions/1/")
    restored = api_client.post(f"/api/flows/{flow.pk}/versions/1/restore/", {"revision": 3}, format="json")

    assert (listed.status_code, one.status_code, restored.status_code) == (
        read_status,
        read_status,
        restore_status,
    )
    flow.refresh_from_db()
    assert (flow.draft_definition == first) == (restore_status == 200)


def test_anonymous_callers_see_no_history(api_client, two_versions):
    flow, _first, _second = two_versions
    api_client.logout()

    assert api_client.get(f"/api/flows/{flow.pk}/versions/").status_code in (401, 403)
    assert api_client.get(f"/api/flows/{flow.pk}/versions/1/").status_code in (401, 403)
    restore = api_client.post(f"/api/flows/{flow.pk}/versions/1/restore/", {"revision": 3}, format="json")
    assert restore.status_code in (401, 403)
