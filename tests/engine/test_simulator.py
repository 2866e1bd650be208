"""The simulator: a flow's draft run as a real person, with nothing sent and nothing stored."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest

from engine.models import CallbackDelivery, Participant, ParticipantStep, ResultsEmail
from messaging.models import Message
from people.models import AttributeValue, Person
from people.outbox.models import OutboxEvent
from people.selectors import person_snapshots
from people.services import person_set_attributes
from tests.factories import AttributeDefinitionFactory, FlowFactory, PersonFactory, TagFactory

pytestmark = pytest.mark.django_db

CALL_URL = "https://api.example.com/codes"
CALLBACK_URL = "https://service.example.com/results"


def node(node_id: str, type_name: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def walk_definition(tag_id: int) -> dict:
    """Audience -> message (city in text) -> wait 2 days -> Call URL -> message with the code -> Exit."""
    return {
        "spec_version": 1,
        "variables": [{"name": "code", "type": "text"}],
        "nodes": [
            node("audience", "predefined_audience", {"tags": [tag_id]}, {"next": "hello"}),
            node(
                "hello",
                "message",
                {
                    "text": "Hello {{ person.first_name }} from {{ person.city }}",
                    "buttons": [{"id": "go", "caption": "Go"}, {"id": "stop", "caption": "Stop"}],
                },
                {"go": "pause", "stop": "done"},
            ),
            node(
                "pause",
                "wait",
                {"mode": "duration", "duration": {"amount": 2, "unit": "days"}},
                {"next": "call"},
            ),
            node(
                "call",
                "call_url",
                {
                    "method": "POST",
                    "url": CALL_URL,
                    "headers": [{"name": "X-Person", "value": "{{ person.first_name }}"}],
                    "body_type": "json",
                    "body": '{"person": {{ person.id }}}',
                    "timeout_seconds": 5,
                    "retries": 0,
                    "save": [{"path": "$.code", "variable": "code"}],
                },
                {"success": "code", "failure": "sorry"},
            ),
            node(
                "code",
                "message",
                {"text": "Your code: {{ variables.code }}", "buttons": [{"id": "ok", "caption": "OK"}]},
                {"ok": "done"},
            ),
            node(
                "sorry",
                "message",
                {"text": "No code today", "buttons": [{"id": "ok", "caption": "OK"}]},
                {"ok": "done"},
            ),
            node("done", "exit", {"name": "Done"}),
        ],
    }


@pytest.fixture
def flow():
    return FlowFactory(draft_definition=walk_definition(TagFactory().pk), callback_url=CALLBACK_URL)


@pytest.fixture
def person():
    AttributeDefinitionFactory(key="city")
    person = PersonFactory(first_name="Ada")
    person_set_attributes(person=person, values={"city": "Ghent"})
    return person


@pytest.fixture
def as_marketer(api_client, marketer):
    api_client.force_login(marketer)
    return api_client


def simulate(client, flow, person, action, **body):
    return client.post(
        f"/api/flows/{flow.pk}/simulate/", {"person": person.pk, "action": action, **body}, format="json"
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def kinds(items: list[dict]) -> list[str]:
    return [item["kind"] for item in items]


def row_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Participant,
            ParticipantStep,
            Message,
            AttributeValue,
            Person,
            OutboxEvent,
            CallbackDelivery,
            ResultsEmail,
        )
    }


def test_the_walk_through_a_wait_and_a_call_url_shows_everything_and_stores_nothing(
    as_marketer, flow, person
):
    before = row_counts()
    started = datetime.now().astimezone()

    first = ok(simulate(as_marketer, flow, person, "start"))
    assert kinds(first["items"]) == ["message"]
    card = first["items"][0]["message"]
    # The text as the inbox shows it: rendered with the person's standard and custom attributes.
    assert card["text"] == "Hello Ada from Ghent"
    assert [b["caption"] for b in card["buttons"]] == ["Go", "Stop"]
    assert card["locked"] is False

    waiting = ok(
        simulate(
            as_marketer, flow, person, "answer", simulation=first["simulation"], answer={"button_id": "go"}
        )
    )
    assert kinds(waiting["items"]) == ["answer", "wait"]
    assert waiting["items"][0]["answered_caption"] == "Go"
    until = datetime.fromisoformat(waiting["items"][1]["until"])
    assert timedelta(days=2) - timedelta(minutes=1) < until - started < timedelta(days=2, minutes=1)

    after = ok(
        simulate(
            as_marketer,
            flow,
            person,
            "skip_wait",
            simulation=waiting["simulation"],
            call_body='{"code": "X-42"}',
        )
    )
    assert kinds(after["items"]) == ["time_travel", "request", "message"]
    assert after["simulation"]["now"] == until.isoformat()
    call = after["items"][1]
    assert (call["purpose"], call["outcome"]) == ("call_url", "success")
    assert call["request"] == {
        "method": "POST",
        "url": CALL_URL,
        "headers": {"X-Person": "Ada", "Content-Type": "application/json"},
        "body": f'{{"person": {person.pk}}}',
    }
    assert after["items"][2]["message"]["text"] == "Your code: X-42"

    end = ok(
        simulate(
            as_marketer, flow, person, "answer", simulation=after["simulation"], answer={"button_id": "ok"}
        )
    )
    assert kinds(end["items"]) == ["answer", "completed", "request"]
    assert end["items"][1]["exit_name"] == "Done"
    callback = end["items"][2]
    assert callback["purpose"] == "results_end"
    assert callback["request"]["url"] == CALLBACK_URL
    body = callback["request"]["body"]
    # Signed exactly as the live delivery would be, with the flow's secret.
    expected = hmac.new(flow.secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    assert callback["request"]["headers"]["X-Signature"] == expected
    results = json.loads(body)
    assert (results["type"], results["person"]["first_name"], results["exit_name"]) == (
        "flow.completed",
        "Ada",
        "Done",
    )
    assert [s["display_value"] for s in results["steps"]] == ["Go", "OK"]
    assert end["simulation"]["state"]["status"] == "completed"

    assert row_counts() == before


def test_a_call_can_be_made_to_fail(as_marketer, flow, person):
    first = ok(simulate(as_marketer, flow, person, "start"))
    waiting = ok(
        simulate(
            as_marketer, flow, person, "answer", simulation=first["simulation"], answer={"button_id": "go"}
        )
    )
    after = ok(
        simulate(
            as_marketer, flow, person, "skip_wait", simulation=waiting["simulation"], call_outcome="failure"
        )
    )
    assert after["items"][1]["outcome"] == "failure"
    assert after["items"][2]["message"]["text"] == "No code today"


def test_person_changes_are_shown_and_not_applied(as_marketer, person):
    vip = TagFactory(name="VIP")
    doc = walk_definition(TagFactory().pk)
    doc["nodes"][1]["exits"]["go"] = "upd"
    doc["nodes"].insert(
        2,
        node(
            "upd",
            "update_person",
            {"updates": [{"attribute": "city", "action": "set", "source": "value", "value": "Bruges"}]},
            {"next": "tag"},
        ),
    )
    doc["nodes"].insert(3, node("tag", "update_tags", {"add": [vip.pk], "remove": []}, {"next": "pause"}))
    flow = FlowFactory(draft_definition=doc)
    before = row_counts()

    first = ok(simulate(as_marketer, flow, person, "start"))
    end = ok(
        simulate(
            as_marketer, flow, person, "answer", simulation=first["simulation"], answer={"button_id": "go"}
        )
    )

    updates = [item for item in end["items"] if item["kind"] == "person_update"]
    assert [(u["change"], u.get("values"), u.get("add")) for u in updates] == [
        ("attributes", {"city": "Bruges"}, None),
        ("tags", None, ["VIP"]),
    ]
    assert kinds(end["items"])[-1] == "wait"
    assert row_counts() == before
    person.refresh_from_db()
    assert list(person.tags.all()) == []
    assert person_snapshots([person.pk])[person.pk]["city"] == "Ghent"


def test_a_draft_with_issues_is_refused_with_its_issues(as_marketer, person):
    doc = walk_definition(TagFactory().pk)
    doc["nodes"][1]["exits"] = {"go": "pause"}  # "stop" leads nowhere
    flow = FlowFactory(draft_definition=doc)

    response = simulate(as_marketer, flow, person, "start")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Fix the 1 issue(s)")
    assert [i["node_id"] for i in response.json()["issues"]] == ["hello"]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda sim: "not an object",
        lambda sim: {**sim, "now": "yesterday"},
        lambda sim: {**sim, "run_id": "x"},
        lambda sim: {**sim, "state": {**sim["state"], "status": "dancing"}},
        lambda sim: {**sim, "state": {**sim["state"], "history": []}},
        lambda sim: {**sim, "state": {**sim["state"], "current": "nowhere"}},
        lambda sim: {**sim, "state": {**sim["state"], "wait": None}},
        lambda sim: {**sim, "state": {**sim["state"], "variables": {"big": "x" * 600_000}}},
    ],
    ids=["scalar", "bad-now", "bad-run-id", "bad-status", "no-history", "wrong-current", "no-wait", "huge"],
)
def test_a_bad_simulation_is_refused_with_a_reason(as_marketer, flow, person, mutate):
    first = ok(simulate(as_marketer, flow, person, "start"))
    before = row_counts()

    response = simulate(
        as_marketer,
        flow,
        person,
        "answer",
        simulation=mutate(first["simulation"]),
        answer={"button_id": "go"},
    )

    assert response.status_code in (400, 413)
    if response.status_code == 400:
        assert response.json()["detail"]
    assert row_counts() == before


def test_answers_the_step_does_not_take_are_refused(as_marketer, flow, person):
    first = ok(simulate(as_marketer, flow, person, "start"))
    sim = first["simulation"]

    wrong_button = simulate(as_marketer, flow, person, "answer", simulation=sim, answer={"button_id": "nope"})
    text = simulate(as_marketer, flow, person, "answer", simulation=sim, answer={"text": "go"})
    skip = simulate(as_marketer, flow, person, "skip_wait", simulation=sim)

    assert wrong_button.status_code == 400
    assert 'no button "nope"' in wrong_button.json()["detail"]
    assert text.status_code == 400
    assert skip.status_code == 400
    assert "nothing to skip" in skip.json()["detail"]


def test_unknown_person_and_missing_simulation_are_400(as_marketer, flow):
    response = as_marketer.post(
        f"/api/flows/{flow.pk}/simulate/", {"person": 999999, "action": "start"}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()
    person = PersonFactory()
    response = simulate(as_marketer, flow, person, "skip_wait")
    assert response.status_code == 400
    assert "simulation" in response.json()


def test_only_those_who_edit_flows_may_simulate(api_client, staff, flow, person):
    api_client.force_login(staff)
    assert simulate(api_client, flow, person, "start").status_code == 403
