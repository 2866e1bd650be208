"""Engine v2 end to end, on real daphne, engine worker and qcluster processes: a message with a 2 s reply
timeout -> a condition split on an attribute -> an A/B split -> update person + add tag -> Call URL to a
local receiver -> wait 1 s -> exit; the person's timeline and the result callbacks are checked."""

import json
import time

import pytest

from engine import services as engine_services
from engine.models import CallbackDelivery, Participant
from flowdesigner import services as flow_services
from people import services as people_services
from people.models import PersonChange
from tests.factories import FlowFactory, TagFactory
from tests.helpers import CallbackReceiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def definition(*, persons: list[int], vip: int, call_url: str) -> dict:
    def node(id, type, config, exits=None):
        return {"id": id, "type": type, "config": config, "exits": exits or {}}

    update = {
        "updates": [
            {"attribute": "note", "action": "set", "source": "template", "value": "saw {{ variables.arm }}"}
        ]
    }
    return {
        "spec_version": 1,
        "variables": [
            {"name": "arm", "type": "text"},
            {"name": "echo", "type": "text"},
            {"name": "status", "type": "number"},
        ],
        "nodes": [
            node("audience", "predefined_audience", {"persons": persons}, {"next": "ask"}),
            node(
                "ask",
                "message",
                {
                    "text": "Still there?",
                    "buttons": [{"id": "yes", "caption": "Yes"}],
                    "timeout": {"amount": 2, "unit": "seconds"},
                },
                {"yes": "done", "no_answer": "plan"},
            ),
            node(
                "plan",
                "condition_split",
                {
                    "branches": [
                        {
                            "id": "gold",
                            "name": "Gold",
                            "rules": {
                                "op": "and",
                                "rules": [{"attribute": "plan", "operator": "is", "value": "gold"}],
                            },
                        }
                    ]
                },
                {"gold": "ab", "otherwise": "ab"},
            ),
            node(
                "ab",
                "random_split",
                {
                    "branches": [
                        {"id": "a", "name": "A", "percent": 50},
                        {"id": "b", "name": "B", "percent": 50},
                    ]
                },
                {"a": "update", "b": "update"},
            ),
            node("update", "update_person", update, {"next": "tag"}),
            node("tag", "update_tags", {"add": [vip]}, {"next": "call"}),
            node(
                "call",
                "call_url",
                {
                    "method": "POST",
                    "url": call_url,
                    "body_type": "json",
                    "body": '{"person": {{ person.id }}, "plan": "{{ person.plan }}"}',
                    "timeout_seconds": 5,
                    "retries": 0,
                    "status_variable": "status",
                    "save": [{"path": "$.echo", "variable": "echo"}],
                },
                {"success": "pause", "failure": "failed"},
            ),
            node(
                "pause",
                "wait",
                {"mode": "duration", "duration": {"amount": 1, "unit": "seconds"}},
                {"next": "done"},
            ),
            node("done", "exit", {"name": "Walked"}),
            node("failed", "exit", {"name": "Call failed"}),
        ],
    }


def test_timeout_split_update_call_wait_exit_on_real_processes(live_stack):
    people_services.attribute_definition_create(key="plan", label="Plan", data_type="TEXT", number_kind="")
    people_services.attribute_definition_create(key="note", label="Note", data_type="TEXT", number_kind="")
    ann = people_services.person_create(first_name="Ann", attributes={"plan": "gold"})
    bob = people_services.person_create(first_name="Bob", attributes={"plan": "basic"})
    vip = TagFactory(name="VIP")
    with CallbackReceiver() as receiver:
        receiver.bodies = [{"echo": "hello"}] * 4
        flow = FlowFactory(
            callback_url=receiver.url,
            draft_definition=definition(
                persons=[ann.pk, bob.pk], vip=vip.pk, call_url=receiver.url.replace("/results", "/call")
            ),
        )
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        launched_at = time.monotonic()
        engine_services.launch_create(version=version, audience=None)

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (
                Participant.objects.filter(status="completed").count() == 2
                and CallbackDelivery.objects.filter(status="delivered").count() == 2
            ):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - launched_at

    participants = {p.person_id: p for p in Participant.objects.all()}
    assert {p.status for p in participants.values()} == {"completed"}, [
        p.state for p in participants.values()
    ]
    # 2 s reply timeout + 1 s wait: never sooner, and not much later.
    assert 3 <= elapsed < 30
    for person in (ann, bob):
        p = participants[person.pk]
        path = [entry["node_id"] for entry in p.state["history"]]
        assert path == ["audience", "ask", "plan", "ab", "update", "tag", "call", "pause", "done"]
        exits = {entry["node_id"]: entry["exit"] for entry in p.state["history"]}
        assert exits["ask"] == "no_answer"
        assert exits["plan"] == ("gold" if person == ann else "otherwise")
        assert exits["ab"] in ("a", "b")
        assert p.state["variables"]["echo"] == "hello" and p.state["variables"]["status"] == 200
        # The timeline shows what the flow changed, labelled with the flow.
        rows = set(
            PersonChange.objects.filter(person=person, source=f"flow:{flow.pk}").values_list("kind", "key")
        )
        assert ("attribute", "note") in rows and ("tag_added", "VIP") in rows
        person.refresh_from_db()
        assert person.tags.filter(pk=vip.pk).exists()

    calls = [r for r in receiver.requests if r["path"] == "/call"]
    assert sorted(json.loads(c["body"])["plan"] for c in calls) == ["basic", "gold"]
    ends = [json.loads(r["body"]) for r in receiver.requests if r["path"] == "/results"]
    assert len(ends) == 2 and all(
        r["headers"].get("X-Signature") for r in receiver.requests if r["path"] == "/results"
    )
    assert sorted((e["end_id"], e["exit_name"]) for e in ends) == [("done", "Walked")] * 2
