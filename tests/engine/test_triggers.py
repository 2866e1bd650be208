"""Triggers through the real services: flows published and activated, people changed through the people
services, change events handled in-process (settings.OUTBOX_RELAY_ALL), time triggers swept at chosen
moments (never waited for). Every entry is checked where a user sees it: the participant, the message
in the inbox, the refusal on the person's timeline."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from engine import activation, triggers
from engine.checks import definition_issues
from engine.models import EntryRefusal, FrequencyCap, Participant, Trigger
from flowdesigner import services as flow_services
from flowdesigner.models import Flow
from messaging.models import Message
from people import events as people_events
from people import services as people_services
from people.selectors import person_timeline
from tests.factories import (
    AttributeDefinitionFactory,
    CompanyFactory,
    FlowFactory,
    SegmentFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


def node(node_id: str, type_name: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def trigger_flow(
    entry_type: str, config: dict, *, text: str = "Hello", settings=None, variables=None
) -> Flow:
    """A published, active flow: the entry point -> a message `text` -> Exit."""
    doc = {
        "spec_version": 1,
        "variables": variables or [],
        "settings": settings or {},
        "nodes": [
            node("entry", entry_type, config, {"next": "hello"}),
            node(
                "hello", "message", {"text": text, "buttons": [{"id": "ok", "caption": "OK"}]}, {"ok": "done"}
            ),
            node("done", "exit", {"name": "Done"}),
        ],
    }
    flow = FlowFactory(draft_definition=doc)
    try:
        flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    except flow_services.PublishRefused as refused:
        raise AssertionError([i.as_dict() for i in refused.issues]) from None
    return activation.flow_activate(flow_id=flow.pk)


def texts(person) -> list[str]:
    return list(
        Message.objects.filter(person=person, direction="out").order_by("pk").values_list("text", flat=True)
    )


@pytest.fixture
def relay(django_capture_on_commit_callbacks):
    """Run a block of changes; every outbox event they cause is handled before it returns."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


@pytest.fixture
def person():
    return people_services.person_create(first_name="Ann", email="ann@example.com")


# --- Predefined Audience in real time --------------------------------------------------------------------


def test_a_tag_added_after_launch_enters_the_person_into_a_real_time_audience(relay, person):
    june = TagFactory(name="June")
    flow = trigger_flow("predefined_audience", {"tags": [june.pk], "update": "realtime"}, text="June news")
    static = trigger_flow("predefined_audience", {"tags": [june.pk], "update": "never"}, text="Static")

    relay(people_services.person_tags_add, person=person, tags=[june])

    assert texts(person) == ["June news"]
    assert Participant.objects.get(person=person).version.flow == flow
    assert not Participant.objects.filter(version__flow=static).exists()


def test_someone_already_in_the_audience_does_not_enter_again_when_something_else_changes(relay, person):
    june, july = TagFactory(name="June"), TagFactory(name="July")
    company = CompanyFactory()
    trigger_flow(
        "predefined_audience", {"tags": [june.pk, july.pk], "companies": [company.pk], "update": "realtime"}
    )
    relay(people_services.person_tags_add, person=person, tags=[june])
    relay(people_services.person_tags_add, person=person, tags=[july])
    relay(people_services.person_update, person=person, fields={"company": company})

    assert texts(person) == ["Hello"]


def test_a_segment_condition_becoming_true_enters_the_person_once(relay, person):
    AttributeDefinitionFactory(key="score", data_type="NUMBER")
    segment = SegmentFactory(
        rules={"op": "and", "rules": [{"attribute": "score", "operator": "gte", "value": 50}]}
    )
    trigger_flow("predefined_audience", {"segments": [segment.pk], "update": "realtime"}, text="Top scorer")

    relay(people_services.person_set_attributes, person=person, values={"score": 40})
    assert texts(person) == []
    relay(people_services.person_set_attributes, person=person, values={"score": 60})
    relay(people_services.person_set_attributes, person=person, values={"score": 70})

    assert texts(person) == ["Top scorer"]


def test_a_company_joined_enters_the_person(relay, person):
    company = CompanyFactory(name="Acme")
    trigger_flow(
        "predefined_audience", {"companies": [company.pk], "update": "realtime"}, text="Welcome to Acme"
    )

    relay(people_services.person_update, person=person, fields={"company": company})

    assert texts(person) == ["Welcome to Acme"]


# --- Change in People profile ----------------------------------------------------------------------------


def opted_in() -> dict:
    return {"rules": {"op": "and", "rules": [{"attribute": "opt_in", "operator": "is", "value": True}]}}


def test_opt_in_becoming_true_starts_the_welcome_flow_once_per_change_to_true(relay, person):
    trigger_flow("profile_change", opted_in(), text="Welcome!")

    relay(people_services.person_update, person=person, fields={"opt_in": True})
    relay(people_services.person_update, person=person, fields={"first_name": "Anna"})  # still true: nothing
    assert texts(person) == ["Welcome!"]

    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    assert texts(person) == ["Welcome!", "Welcome!"]


def test_a_worker_running_behind_decides_on_each_change_as_it_was_made(person, settings):
    from people.outbox.worker import drain

    settings.OUTBOX_RELAY_ALL = False
    trigger_flow("profile_change", opted_in(), text="Welcome!")
    people_services.person_update(person=person, fields={"opt_in": True})
    people_services.person_update(person=person, fields={"opt_in": False})  # before the worker got to it
    drain()

    assert texts(person) == ["Welcome!"]


def test_a_condition_value_can_be_a_flow_variable_default(relay, person):
    AttributeDefinitionFactory(key="points", data_type="NUMBER")
    rules = {
        "op": "and",
        "rules": [{"attribute": "points", "operator": "gte", "value": {"variable": "goal"}}],
    }
    trigger_flow(
        "profile_change",
        {"rules": rules},
        text="You reached {{ variables.goal }} points",
        variables=[{"name": "goal", "type": "number", "default": 100}],
    )

    relay(people_services.person_set_attributes, person=person, values={"points": 99})
    relay(people_services.person_set_attributes, person=person, values={"points": 120})

    assert texts(person) == ["You reached 100 points"]


def test_a_list_attribute_condition(relay, person):
    AttributeDefinitionFactory(key="interests", data_type="LIST")
    rules = {"op": "and", "rules": [{"attribute": "interests", "operator": "contains", "value": "cycling"}]}
    trigger_flow("profile_change", {"rules": rules}, text="Bike news")

    relay(people_services.person_set_attributes, person=person, values={"interests": ["running"]})
    relay(people_services.person_set_attributes, person=person, values={"interests": ["running", "Cycling"]})

    assert texts(person) == ["Bike news"]


def test_birth_date_is_today_starts_people_on_their_birthday_in_their_timezone(relay):
    flow = trigger_flow(
        "profile_change",
        {"rules": {"op": "and", "rules": [{"attribute": "birth_date", "operator": "is_today"}]}},
        text="Happy birthday!",
    )
    tokyo = ZoneInfo("Asia/Tokyo")
    now = timezone.now()
    tomorrow_in_tokyo = now.astimezone(tokyo).date() + timedelta(days=1)
    ann = people_services.person_create(
        first_name="Ann", timezone="Asia/Tokyo", birth_date=tomorrow_in_tokyo.replace(year=1990)
    )
    trigger = Trigger.objects.get(flow=flow)

    # Just before midnight in Tokyo nothing happens; just after it, Ann enters.
    midnight = datetime.combine(tomorrow_in_tokyo, datetime.min.time(), tzinfo=tokyo)
    relay(triggers.triggers_sweep, now=midnight - timedelta(minutes=1))
    assert texts(ann) == []
    trigger.refresh_from_db()
    trigger.swept_until = midnight - timedelta(minutes=1)  # the sweep interval is not waited for
    trigger.save()
    relay(triggers.triggers_sweep, now=midnight + timedelta(minutes=1))
    assert texts(ann) == ["Happy birthday!"]
    relay(triggers.triggers_sweep, now=midnight + timedelta(hours=2))
    assert texts(ann) == ["Happy birthday!"]


# --- People real-time event ------------------------------------------------------------------------------


@pytest.fixture
def add_to_cart():
    people_events.event_definition_create(
        key="addToCart",
        label="Add to cart",
        properties=[
            {"key": "itemId", "label": "Item", "data_type": "TEXT"},
            {"key": "items", "label": "Items", "data_type": "LIST"},
        ],
    )
    people_events.event_definition_create(key="purchase", label="Purchase")


def event(person, key: str, n: int, *, at: datetime | None = None, **properties) -> dict:
    item = {"idempotency_key": f"{key}-{person.pk}-{n}", "event": key, "person": {"id": person.pk}}
    if properties:
        item["properties"] = properties
    if at is not None:
        item["occurred_at"] = at.isoformat()
    return item


def ingest(relay, *items):
    report = relay(people_events.events_ingest, items=list(items))
    assert not report.rejected, report.rejected


def three_times_in_seven_days(**extra) -> dict:
    return {
        "conditions": [
            {
                "event": "addToCart",
                "operator": "happened",
                "within": {"amount": 7, "unit": "days"},
                "count": {"operator": "eq", "value": 3},
            }
        ],
        **extra,
    }


def test_the_third_add_to_cart_within_seven_days_starts_the_flow_with_the_item(relay, person, add_to_cart):
    trigger_flow(
        "people_event",
        three_times_in_seven_days(save=[{"property": "itemId", "variable": "item"}]),
        text="Still thinking about {{ variables.item }}?",
        variables=[{"name": "item", "type": "text"}],
    )
    ingest(relay, event(person, "addToCart", 1, itemId="A1"))
    ingest(relay, event(person, "addToCart", 2, itemId="B2"))
    assert texts(person) == []
    ingest(relay, event(person, "addToCart", 3, itemId="C3"))
    assert texts(person) == ["Still thinking about C3?"]
    ingest(relay, event(person, "addToCart", 4, itemId="D4"))  # a fourth: no longer "equals 3"
    assert texts(person) == ["Still thinking about C3?"]


def test_three_events_in_one_batch_are_decided_one_by_one_as_they_happened(relay, person, add_to_cart):
    trigger_flow("people_event", three_times_in_seven_days(), text="Third")
    ingest(relay, *(event(person, "addToCart", n, itemId=f"I{n}") for n in range(1, 5)))

    assert texts(person) == ["Third"]


def test_a_list_property_goes_into_a_list_variable(relay, person, add_to_cart):
    trigger_flow(
        "people_event",
        {
            "conditions": [{"event": "addToCart", "operator": "happened"}],
            "save": [{"property": "items", "variable": "basket"}],
        },
        text="{{ variables.basket|join(', ') }}",
        variables=[{"name": "basket", "type": "list"}],
    )
    ingest(relay, event(person, "addToCart", 1, items=["socks", "shoes"]))

    assert texts(person) == ["socks, shoes"]


def test_not_happened_beside_happened(relay, person, add_to_cart):
    trigger_flow(
        "people_event",
        {
            "conditions": [
                {"event": "addToCart", "operator": "happened"},
                {"event": "purchase", "operator": "not_happened", "within": {"amount": 1, "unit": "days"}},
            ]
        },
        text="Forgot something?",
    )
    buyer = people_services.person_create(first_name="Bob")
    ingest(relay, event(buyer, "purchase", 1))
    ingest(relay, event(buyer, "addToCart", 1), event(person, "addToCart", 1))

    assert texts(person) == ["Forgot something?"]
    assert texts(buyer) == []


def test_a_property_filter_counts_only_matching_events_and_the_event_that_arrived(relay, person, add_to_cart):
    trigger_flow(
        "people_event",
        {
            "conditions": [
                {
                    "event": "addToCart",
                    "operator": "happened",
                    "properties": [{"property": "itemId", "operator": "is", "value": "A1"}],
                }
            ]
        },
        text="A1 fan",
    )
    ingest(relay, event(person, "addToCart", 1, itemId="B2"))
    assert texts(person) == []
    ingest(relay, event(person, "addToCart", 2, itemId="A1"))
    ingest(relay, event(person, "addToCart", 3, itemId="B2"))  # A1 happened, but this one is not A1

    assert texts(person) == ["A1 fan"]


@pytest.mark.parametrize(("historical", "expected"), [(False, []), (True, ["Third time"])])
def test_include_historical_data(relay, person, add_to_cart, historical, expected):
    before = timezone.now() - timedelta(hours=1)
    ingest(relay, event(person, "addToCart", 1, at=before), event(person, "addToCart", 2, at=before))
    config = three_times_in_seven_days(include_historical=historical)
    trigger_flow("people_event", config, text="Third time")

    ingest(relay, event(person, "addToCart", 3))

    assert texts(person) == expected


def test_an_event_from_before_the_flow_started_does_not_start_it_even_with_historical_data(
    relay, person, add_to_cart
):
    trigger_flow(
        "people_event",
        {"conditions": [{"event": "addToCart", "operator": "happened"}], "include_historical": True},
    )
    ingest(relay, event(person, "addToCart", 1, at=timezone.now() - timedelta(days=1)))  # backfilled

    assert texts(person) == []


# --- Date or Time ----------------------------------------------------------------------------------------


def sweep_at(relay, flow: Flow, moment: datetime) -> None:
    """Sweep the flow's time trigger as at `moment` (the sweep interval is not waited for)."""
    Trigger.objects.filter(flow=flow).update(sweep_to=None)
    trigger = Trigger.objects.get(flow=flow)
    if trigger.swept_until and moment - trigger.swept_until < timedelta(seconds=30):
        Trigger.objects.filter(flow=flow).update(swept_until=moment - timedelta(seconds=30))
    relay(triggers.triggers_sweep, now=moment)


def test_is_in_4_hours_enters_4_hours_before_the_appointment_and_follows_a_moved_one(relay, person):
    AttributeDefinitionFactory(key="appointmentAt", data_type="DATETIME")
    flow = trigger_flow(
        "date_time",
        {"attribute": "appointmentAt", "operator": "is_in", "offset": {"amount": 4, "unit": "hours"}},
        text="See you in 4 hours",
    )
    start = Trigger.objects.get(flow=flow).swept_until
    other = people_services.person_create(first_name="Bob")
    relay(
        people_services.person_set_attributes,
        person=person,
        values={"appointmentAt": (start + timedelta(hours=6)).isoformat()},
    )
    relay(
        people_services.person_set_attributes,
        person=other,
        values={"appointmentAt": (start + timedelta(hours=6)).isoformat()},
    )

    sweep_at(relay, flow, start + timedelta(hours=1))
    assert texts(person) == []
    # Bob's appointment moves two hours later: his entry moves with it.
    relay(
        people_services.person_set_attributes,
        person=other,
        values={"appointmentAt": (start + timedelta(hours=8)).isoformat()},
    )
    sweep_at(relay, flow, start + timedelta(hours=2, minutes=1))
    assert (texts(person), texts(other)) == (["See you in 4 hours"], [])
    sweep_at(relay, flow, start + timedelta(hours=4, minutes=1))
    assert (texts(person), texts(other)) == (["See you in 4 hours"], ["See you in 4 hours"])


@pytest.mark.parametrize(
    ("operator", "offset", "day", "fires_on"),
    [
        ("is_today", None, 0, 0),
        ("is_tomorrow", None, 1, 0),
        ("was_yesterday", None, -1, 0),
        ("is_in", {"amount": 2, "unit": "days"}, 2, 0),
        ("was", {"amount": 1, "unit": "weeks"}, -7, 0),
    ],
)
def test_date_operators_enter_at_the_start_of_the_day_in_the_persons_timezone(
    relay, operator, offset, day, fires_on
):
    AttributeDefinitionFactory(key="dueDate", data_type="DATE")
    config = {"attribute": "dueDate", "operator": operator, **({"offset": offset} if offset else {})}
    flow = trigger_flow("date_time", config, text=operator)
    zone = ZoneInfo("America/New_York")
    start = Trigger.objects.get(flow=flow).swept_until
    next_day = start.astimezone(zone).date() + timedelta(days=1)
    midnight = datetime.combine(next_day, datetime.min.time(), tzinfo=zone)
    ann = people_services.person_create(first_name="Ann", timezone="America/New_York")
    relay(
        people_services.person_set_attributes,
        person=ann,
        values={"dueDate": (next_day + timedelta(days=day)).isoformat()},
    )

    sweep_at(relay, flow, midnight - timedelta(minutes=5))
    assert texts(ann) == []
    sweep_at(relay, flow, midnight + timedelta(minutes=5))
    assert texts(ann) == [operator]


# --- re-entry, frequency cap, priority -------------------------------------------------------------------


def test_re_entry_never_refuses_the_second_time_with_the_reason_on_the_timeline(relay, person):
    flow = trigger_flow("profile_change", opted_in(), settings={"reentry": "never"})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})

    assert texts(person) == ["Hello"]
    refusal = EntryRefusal.objects.get(person=person)
    assert (refusal.flow, refusal.reason) == (
        flow,
        "Already entered this flow once; it does not let people enter again.",
    )
    shown = [e for e in person_timeline(person) if e["kind"] == "flow_refused"]
    assert shown and "does not let people enter again" in shown[0]["summary"]


def test_re_entry_after_leaving(relay, person):
    trigger_flow("profile_change", opted_in(), settings={"reentry": "after_leaving"})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    assert texts(person) == ["Hello"]  # still waiting on the first message: refused

    Participant.objects.filter(person=person).update(status=Participant.Status.COMPLETED)
    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    assert texts(person) == ["Hello", "Hello"]


def test_the_frequency_cap_lets_the_flow_with_the_highest_priority_win(relay, person):
    FrequencyCap.objects.create(pk=1, enabled=True, max_entries=1, period_amount=1, period_unit="days")
    low = trigger_flow("profile_change", opted_in(), text="Low", settings={"priority": 1})
    trigger_flow("profile_change", opted_in(), text="High", settings={"priority": 5})

    relay(people_services.person_update, person=person, fields={"opt_in": True})

    assert texts(person) == ["High"]
    refusal = EntryRefusal.objects.get(person=person)
    assert refusal.flow == low
    assert refusal.reason == "Frequency cap: already entered 1 flow within 1 day."


# --- Existing Flow and Add to flow -----------------------------------------------------------------------


def test_add_to_flow_hands_the_participant_and_its_variables_to_the_other_flow(relay, person):
    welcome = trigger_flow(
        "existing_flow",
        {},
        text="Welcome, your code is {{ variables.code }}",
        variables=[{"name": "code", "type": "text"}],
    )
    doc = {
        "spec_version": 1,
        "variables": [{"name": "code", "type": "text", "default": "XY-12"}],
        "nodes": [
            node("entry", "profile_change", opted_in(), {"next": "hand"}),
            node("hand", "add_to_flow", {"flow": welcome.pk, "entry": "entry"}, {"next": "done"}),
            node("done", "exit", {"name": "Done"}),
        ],
    }
    first = FlowFactory(draft_definition=doc)
    flow_services.flow_publish(flow_id=first.pk, revision=first.draft_revision)
    activation.flow_activate(flow_id=first.pk)

    relay(people_services.person_update, person=person, fields={"opt_in": True})

    assert texts(person) == ["Welcome, your code is XY-12"]
    assert Participant.objects.get(version__flow=first).status == "completed"

    activation.flow_pause(flow_id=welcome.pk)
    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    assert texts(person) == ["Welcome, your code is XY-12"]
    assert EntryRefusal.objects.get(flow=welcome).reason == f'The flow "{welcome.name}" is not active.'


# --- the index follows the flow --------------------------------------------------------------------------


def test_pausing_stops_triggers_and_a_new_version_takes_over(relay, person):
    flow = trigger_flow("profile_change", opted_in(), text="Version 1")
    activation.flow_pause(flow_id=flow.pk)
    relay(people_services.person_update, person=person, fields={"opt_in": True})
    assert texts(person) == []

    activation.flow_activate(flow_id=flow.pk)
    doc = {**flow.draft_definition}
    doc["nodes"][1]["config"]["text"] = "Version 2"
    saved, _ = flow_services.flow_draft_save(flow_id=flow.pk, definition=doc, revision=flow.draft_revision)
    flow_services.flow_publish(flow_id=flow.pk, revision=saved.draft_revision)
    relay(people_services.person_update, person=person, fields={"opt_in": False})
    relay(people_services.person_update, person=person, fields={"opt_in": True})

    assert texts(person) == ["Version 2"]


def test_bad_trigger_configs_are_reported_on_their_element():
    people_events.event_definition_create(key="visit", label="Visit")
    AttributeDefinitionFactory(key="due", data_type="DATE")
    other = FlowFactory()
    doc = {
        "spec_version": 1,
        "variables": [{"name": "goal", "type": "number"}],
        "nodes": [
            node(
                "p",
                "profile_change",
                {"rules": {"op": "and", "rules": [{"attribute": "nope", "operator": "is", "value": 1}]}},
                {"next": "x"},
            ),
            node(
                "v",
                "profile_change",
                {
                    "rules": {
                        "op": "and",
                        "rules": [{"attribute": "opt_in", "operator": "is", "value": {"variable": "goal"}}],
                    }
                },
                {"next": "x"},
            ),
            node(
                "e",
                "people_event",
                {"conditions": [{"event": "nope", "operator": "happened"}]},
                {"next": "x"},
            ),
            node(
                "n",
                "people_event",
                {"conditions": [{"event": "visit", "operator": "not_happened"}]},
                {"next": "x"},
            ),
            node(
                "s",
                "people_event",
                {
                    "conditions": [{"event": "visit", "operator": "happened"}],
                    "save": [{"property": "page", "variable": "goal"}],
                },
                {"next": "x"},
            ),
            node("d", "date_time", {"attribute": "first_name", "operator": "is_today"}, {"next": "x"}),
            node(
                "h",
                "date_time",
                {"attribute": "due", "operator": "is_in", "offset": {"amount": 4, "unit": "hours"}},
                {"next": "x"},
            ),
            node("x", "add_to_flow", {"flow": other.pk, "entry": "missing"}, {"next": "end"}),
            node("end", "exit", {"name": "End"}),
        ],
    }
    found = {(i.node_id, i.code) for i in definition_issues(doc)}

    assert {
        ("p", "invalid_condition"),
        ("v", "no_default"),
        ("e", "invalid_condition"),
        ("n", "required"),
        ("s", "unknown_property"),
        ("d", "incompatible_attribute"),
        ("h", "incompatible_unit"),
        ("x", "unknown_entry"),
    } <= found


def test_a_tag_unrelated_to_any_trigger_costs_no_lookup(relay, person, django_assert_max_num_queries):
    june = TagFactory(name="June")
    trigger_flow("predefined_audience", {"tags": [june.pk], "update": "realtime"})
    triggers.changes_match([])  # warm the index
    other = TagFactory(name="Other")
    from people import changes

    change = changes.TagAdded(person_id=person.pk, at=timezone.now(), tag_id=other.pk, tag="Other")
    with django_assert_max_num_queries(2):  # the index check (triggers, attributes), nothing about the person
        assert triggers.changes_match([change]) == 0


def test_a_paused_flow_is_not_launched_and_a_finished_one_not_activated_again(person):
    from engine import services as engine_services
    from engine.definitions import LaunchRefused

    tag = TagFactory()
    flow = trigger_flow("predefined_audience", {"tags": [tag.pk]})
    activation.flow_pause(flow_id=flow.pk)
    with pytest.raises(LaunchRefused, match="This flow is paused; activate it before launching it."):
        engine_services.launch_create(version=flow.latest_version, audience={"persons": [person.pk]})
    activation.flow_finish(flow_id=flow.pk)
    with pytest.raises(LaunchRefused, match="This flow is finished; it cannot be activated again."):
        activation.flow_activate(flow_id=flow.pk)


def test_a_segment_edited_while_the_flow_is_active_is_followed(relay, person):
    AttributeDefinitionFactory(key="score", data_type="NUMBER")
    AttributeDefinitionFactory(key="city", data_type="TEXT")
    segment = SegmentFactory(
        rules={"op": "and", "rules": [{"attribute": "score", "operator": "gte", "value": 50}]}
    )
    trigger_flow(
        "predefined_audience", {"segments": [segment.pk], "update": "realtime"}, text="In the segment"
    )
    relay(people_services.person_set_attributes, person=person, values={"city": "Ghent"})
    assert texts(person) == []

    people_services.segment_update(
        segment=segment,
        rules={"op": "and", "rules": [{"attribute": "city", "operator": "is", "value": "Antwerp"}]},
    )
    relay(people_services.person_set_attributes, person=person, values={"city": "Antwerp"})

    assert texts(person) == ["In the segment"]
