"""The draft's issues stored with its revision (Flow.draft_issues): what the designer shows on opening a flow
is what validation says, however the draft got there, and a change of text, tag or rules is never hidden."""

import pytest

from engine.checks import definition_issues
from flowdesigner.models import Flow
from people.models import Tag
from tests.factories import FlowFactory, TagFactory, two_step_definition

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


def _with_text(definition: dict, text: str) -> dict:
    definition["nodes"][1]["config"]["text"] = text
    return definition


def _save(client, flow: Flow, definition: dict) -> dict:
    flow.refresh_from_db()
    response = client.put(
        f"/api/flows/{flow.pk}/draft/",
        {"definition": definition, "revision": flow.draft_revision},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()


def _opened(client, flow: Flow) -> list[dict]:
    response = client.get(f"/api/flows/{flow.pk}/")
    assert response.status_code == 200
    return response.json()["draft"]["issues"]


def _validated(client, definition: dict) -> list[dict]:
    response = client.post("/api/flows/validate/", {"definition": definition}, format="json")
    assert response.status_code == 200
    return response.json()["issues"]


def test_opening_a_flow_shows_what_validation_says_after_each_save(as_marketer):
    tag = TagFactory()
    flow = FlowFactory(draft_definition=two_step_definition(tags=[tag.pk]))
    broken = _with_text(two_step_definition(tags=[tag.pk]), "Hi {{ person.first_name ")
    broken["nodes"][2]["exits"] = {}

    saved = _save(as_marketer, flow, broken)["issues"]

    assert {(i["code"], i["node_id"]) for i in saved} == {
        ("bad_template", "ask"),
        ("unwired_exit", "thanks"),
        ("unreachable", "accepted"),
    }
    assert _opened(as_marketer, flow) == saved == _validated(as_marketer, broken)
    assert saved == [i.as_dict() for i in definition_issues(broken)]


def test_a_template_changed_between_saves_gives_new_issues(as_marketer):
    tag = TagFactory()
    flow = FlowFactory(draft_definition=two_step_definition(tags=[tag.pk]))

    assert _save(
        as_marketer, flow, _with_text(two_step_definition(tags=[tag.pk]), "Hi {{ person.first_name }}")
    ) == {
        "revision": 2,
        "issues": [],
    }
    assert _opened(as_marketer, flow) == []

    bad = _save(
        as_marketer, flow, _with_text(two_step_definition(tags=[tag.pk]), "Hi {% macro m() %}{% endmacro %}")
    )
    assert [(i["code"], i["node_id"], i["field"]) for i in bad["issues"]] == [
        ("bad_template", "ask", "config.text")
    ]
    assert "{% macro %} is not allowed" in bad["issues"][0]["message"]
    assert _opened(as_marketer, flow) == bad["issues"]

    fixed = _save(
        as_marketer, flow, _with_text(two_step_definition(tags=[tag.pk]), "Hi {{ person.last_name }}")
    )
    assert fixed["issues"] == [] == _opened(as_marketer, flow)


def test_a_tag_deleted_after_the_save_shows_on_opening(as_marketer):
    tag = TagFactory()
    flow = FlowFactory(draft_definition=two_step_definition(tags=[tag.pk]))
    definition = two_step_definition(tags=[tag.pk])
    definition["nodes"].insert(
        2, {"id": "tagged", "type": "update_tags", "config": {"add": [tag.pk]}, "exits": {"next": "accepted"}}
    )
    definition["nodes"][1]["exits"]["yes"] = "tagged"
    definition["nodes"][3]["exits"] = {"ok": "accepted"}  # "thanks" is now unreachable: one issue to keep
    assert [i["code"] for i in _save(as_marketer, flow, definition)["issues"]] == ["unreachable"]

    Tag.objects.filter(pk=tag.pk).delete()

    opened = _opened(as_marketer, flow)
    assert {i["code"] for i in opened} >= {"unreachable", "unknown_tag"}
    assert opened == _validated(as_marketer, definition)


def test_a_flow_never_saved_through_the_designer_gets_its_issues_on_first_opening(as_marketer):
    flow = FlowFactory(draft_definition=_with_text(two_step_definition(), ""))  # no audience, no text
    assert flow.draft_issues is None

    opened = _opened(as_marketer, flow)

    assert {(i["code"], i["node_id"]) for i in opened} == {("required", "audience"), ("required", "ask")}
    flow.refresh_from_db()
    assert flow.draft_issues["revision"] == 1
    assert _opened(as_marketer, flow) == opened


def test_issues_stored_for_other_rules_or_another_revision_are_not_served(as_marketer):
    flow = FlowFactory(draft_definition=_with_text(two_step_definition(tags=[TagFactory().pk]), ""))
    expected = _opened(as_marketer, flow)
    assert [i["code"] for i in expected] == ["required"]
    made_up = [{"code": "made_up", "message": "Not from these rules", "node_id": None, "field": None}]
    stored = Flow.objects.get(pk=flow.pk).draft_issues

    for record in (
        {**stored, "issues": made_up, "rules": "rules of an older deploy"},
        {**stored, "issues": made_up, "revision": stored["revision"] + 1},
    ):
        Flow.objects.filter(pk=flow.pk).update(draft_issues=record)
        assert _opened(as_marketer, flow) == expected

    # The same record for this revision and these rules is what opening serves: nothing is validated again.
    Flow.objects.filter(pk=flow.pk).update(draft_issues={**stored, "issues": made_up})
    assert _opened(as_marketer, flow) == made_up


def test_publishing_checks_the_draft_as_saved(as_marketer):
    tag = TagFactory()
    flow = FlowFactory(draft_definition=two_step_definition(tags=[tag.pk]))
    _save(as_marketer, flow, _with_text(two_step_definition(tags=[tag.pk]), "{{ 'a'.ljust(500000000) }}"))
    flow.refresh_from_db()

    refused = as_marketer.post(
        f"/api/flows/{flow.pk}/publish/", {"revision": flow.draft_revision}, format="json"
    )

    assert refused.status_code == 400
    assert [i["code"] for i in refused.json()["issues"]] == ["bad_template"]
    _save(as_marketer, flow, two_step_definition(tags=[tag.pk]))
    flow.refresh_from_db()
    published = as_marketer.post(
        f"/api/flows/{flow.pk}/publish/", {"revision": flow.draft_revision}, format="json"
    )
    assert published.status_code == 201


def test_renaming_a_flow_leaves_its_draft_and_issues_alone(as_marketer):
    flow = FlowFactory(draft_definition=_with_text(two_step_definition(), ""))
    before = _opened(as_marketer, flow)

    response = as_marketer.patch(f"/api/flows/{flow.pk}/", {"name": "Renamed"}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    assert response.json()["draft"]["issues"] == before
    flow.refresh_from_db()
    assert (flow.name, flow.draft_revision, flow.draft_definition) == (
        "Renamed",
        1,
        _with_text(two_step_definition(), ""),
    )
