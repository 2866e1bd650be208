"""Every trigger end to end on real daphne, engine worker and qcluster processes: this test process only
changes people (through the people services, as the API and imports do) and the worker process does the
rest — the change events, the trigger decisions, the time sweep, the entries and the first messages.
The seed's examples: a tag added to a real-time audience, OptInStatus becomes true, addToCart three
times in seven days, "is in N minutes" before an appointment, and a participant handed to an Existing
Flow by "Add to flow"."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from engine import activation
from engine.models import Participant
from flowdesigner import services as flow_services
from messaging.models import Message
from people import events as people_events
from people import services as people_services
from tests.factories import FlowFactory, TagFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def node(node_id: str, type_name: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def active_flow(entry_type: str, config: dict, text: str, *, middle: list | None = None, variables=None):
    steps = middle or []
    first = steps[0]["id"] if steps else "hello"
    doc = {
        "spec_version": 1,
        "variables": variables or [],
        "nodes": [
            node("entry", entry_type, config, {"next": first}),
            *steps,
            node(
                "hello", "message", {"text": text, "buttons": [{"id": "ok", "caption": "OK"}]}, {"ok": "done"}
            ),
            node("done", "exit", {"name": "Done"}),
        ],
    }
    flow = FlowFactory(draft_definition=doc)
    flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    return activation.flow_activate(flow_id=flow.pk)


def inbox(person) -> list[str]:
    return list(
        Message.objects.filter(person=person, direction="out").order_by("pk").values_list("text", flat=True)
    )


def wait_for(check, *, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s")


def test_every_trigger_enters_people_through_the_real_worker(live_stack, settings):
    settings.OUTBOX_RELAY_ALL = False  # every event is the worker process's
    june = TagFactory(name="June")
    people_services.attribute_definition_create(
        key="appointmentAt", label="Appointment", data_type="DATETIME", number_kind=""
    )
    people_events.event_definition_create(
        key="addToCart",
        label="Add to cart",
        properties=[{"key": "itemId", "label": "Item", "data_type": "TEXT"}],
    )
    active_flow("predefined_audience", {"tags": [june.pk], "update": "realtime"}, "June news")
    opted_in = {"op": "and", "rules": [{"attribute": "opt_in", "operator": "is", "value": True}]}
    welcome = active_flow(
        "existing_flow",
        {},
        "Welcome, {{ variables.channel }}",
        variables=[{"name": "channel", "type": "text"}],
    )
    active_flow(
        "profile_change",
        {"rules": opted_in},
        "Thanks for opting in",
        middle=[node("hand", "add_to_flow", {"flow": welcome.pk, "entry": "entry"}, {"next": "hello"})],
        variables=[{"name": "channel", "type": "text", "default": "web"}],
    )
    three = {
        "event": "addToCart",
        "operator": "happened",
        "within": {"amount": 7, "unit": "days"},
        "count": {"operator": "eq", "value": 3},
    }
    active_flow(
        "people_event",
        {"conditions": [three], "save": [{"property": "itemId", "variable": "item"}]},
        "Still want {{ variables.item }}?",
        variables=[{"name": "item", "type": "text"}],
    )
    active_flow(
        "date_time",
        {"attribute": "appointmentAt", "operator": "is_in", "offset": {"amount": 1, "unit": "minutes"}},
        "Your appointment is in a minute",
    )

    ann = people_services.person_create(first_name="Ann")
    people_services.person_tags_add(person=ann, tags=[june])
    people_services.person_update(person=ann, fields={"opt_in": True})
    for n, item in enumerate(["A1", "B2", "C3"]):
        people_events.events_ingest(
            items=[
                {
                    "idempotency_key": f"cart-{n}",
                    "event": "addToCart",
                    "person": {"id": ann.pk},
                    "properties": {"itemId": item},
                }
            ]
        )
    due = timezone.now() + timedelta(seconds=6)
    people_services.person_set_attributes(
        person=ann, values={"appointmentAt": (due + timedelta(minutes=1)).isoformat()}
    )

    expected = {"June news", "Thanks for opting in", "Welcome, web", "Still want C3?"}
    wait_for(lambda: expected <= set(inbox(ann)))
    assert "Your appointment is in a minute" not in inbox(ann)  # its moment has not come yet
    wait_for(lambda: "Your appointment is in a minute" in inbox(ann))
    assert timezone.now() >= due
    assert sorted(inbox(ann)) == sorted([*expected, "Your appointment is in a minute"])
    assert Participant.objects.filter(person=ann).count() == 5
