"""Waits, reply timeouts, condition splits, person and tag updates, Call URL and event waits through the real
services: published flows launched to explicit persons, timers fired by the timer worker's function, outbox
events handled in-process (settings.OUTBOX_RELAY_ALL) or drained, and Call URL requests sent to a real HTTP
server on 127.0.0.1. Time is never waited for: a test that needs a timer due moves it into the past."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from engine import effects
from engine import services as engine_services
from engine.models import Participant, ParticipantStep
from engine.timers import timers_fire
from flowdesigner import services as flow_services
from messaging.models import Message
from people import events as people_events
from people import outbox
from people import services as people_services
from people.outbox.models import OutboxEvent
from people.outbox.worker import drain
from people.selectors import person_attributes, person_timeline
from tests.factories import FlowFactory, TagFactory
from tests.helpers import CallbackReceiver, timer_due

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------------------


def node(node_id: str, type_name: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": node_id, "type": type_name, "config": config, "exits": exits or {}}


def say(node_id: str, text: str, then: str = "done", **config) -> dict:
    """A message with one OK button leading to `then`."""
    return node(
        node_id, "message", {"text": text, "buttons": [{"id": "ok", "caption": "OK"}], **config}, {"ok": then}
    )


def definition(*steps: dict, variables: dict | None = None) -> dict:
    """Audience (whoever the launch names) -> steps[0] -> ... -> Exit "done"."""
    return {
        "spec_version": 1,
        "variables": [{"name": k, "type": v} for k, v in (variables or {}).items()],
        "nodes": [
            node("audience", "predefined_audience", {"tags": [TagFactory().pk]}, {"next": steps[0]["id"]}),
            *steps,
            node("done", "exit", {"name": "Done"}),
        ],
    }


def publish(doc: dict):
    flow = FlowFactory(draft_definition=doc)
    try:
        return flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    except flow_services.PublishRefused as refused:
        raise AssertionError([i.as_dict() for i in refused.issues]) from None


@pytest.fixture
def launch_version(django_capture_on_commit_callbacks):
    """Launch a published version to these persons; every outbox event it causes is handled."""

    def make(version, *persons) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            engine_services.launch_create(version=version, audience={"persons": [p.pk for p in persons]})

    return make


@pytest.fixture
def launch(launch_version):
    """Publish a flow and launch it to these persons; returns the flow."""

    def make(doc: dict, *persons):
        version = publish(doc)
        launch_version(version, *persons)
        return version.flow

    return make


@pytest.fixture
def inbox(api_client, enduser):
    """The texts in the end user's inbox, as the inbox API lists them."""
    api_client.force_login(enduser)

    def texts() -> list[str]:
        response = api_client.get("/api/inbox/messages/")
        assert response.status_code == 200
        return [m["text"] for m in response.json()]

    return texts


@pytest.fixture
def answer(api_client, enduser, django_capture_on_commit_callbacks):
    api_client.force_login(enduser)

    def post(message: Message, button_id: str):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(
                f"/api/inbox/messages/{message.pk}/answer/", {"button_id": button_id}, format="json"
            )

    return post


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    """Run the timer worker's function once, handling the outbox events it writes."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return timers_fire()

    return run


def participant_of(person) -> Participant:
    return Participant.objects.get(person=person)


def texts_of(person) -> list[str]:
    return list(
        Message.objects.filter(person=person, direction=Message.Direction.OUT)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def history(participant: Participant, node_id: str) -> dict:
    [entry] = [h for h in participant.state["history"] if h["node_id"] == node_id]
    return entry


def close_to(moment, expected, *, slack=timedelta(seconds=30)) -> bool:
    return expected - slack <= moment <= expected + slack


# --- Wait ---------------------------------------------------------------------------------------------------


def test_a_one_hour_wait_sends_the_next_message_when_its_timer_fires_exactly_once(
    launch, enduser, inbox, fire
):
    pause = node(
        "pause", "wait", {"mode": "duration", "duration": {"amount": 1, "unit": "hours"}}, {"next": "later"}
    )
    launch(definition(pause, say("later", "An hour later, {{ person.first_name }}")), enduser.person)

    waiting = participant_of(enduser.person)
    assert waiting.status == "waiting"
    assert waiting.current_node == "pause"
    assert waiting.wait_kind == "timer"
    assert close_to(waiting.wake_at, timezone.now() + timedelta(hours=1))
    assert inbox() == []
    # Not due yet: the timer worker leaves it alone.
    assert fire() == 0
    assert inbox() == []

    timer_due(waiting)
    assert fire() == 1

    assert inbox() == ["An hour later, Erin"]
    moved = participant_of(enduser.person)
    assert moved.current_node == "later"
    assert moved.wait_kind == "reply"
    assert moved.wake_at is None
    step = ParticipantStep.objects.get(participant=moved, node_id="pause")
    assert step.exit_name == "next" and step.left_at is not None
    # Exactly once: firing again finds nothing due and sends nothing more.
    assert fire() == 0
    assert inbox() == ["An hour later, Erin"]


def test_an_event_wait_is_resumed_by_that_persons_event_and_saves_its_property(
    launch, enduser, inbox, fire, django_capture_on_commit_callbacks
):
    people_events.event_definition_create(
        key="purchase",
        label="Purchase",
        properties=[
            {"key": "total", "label": "Total", "data_type": "NUMBER"},
            {"key": "sku", "label": "SKU", "data_type": "TEXT"},
        ],
    )
    people_events.event_definition_create(key="signup", label="Signup")
    other = people_services.person_create(first_name="Bob")
    pause = node(
        "pause",
        "wait",
        {
            "mode": "event",
            "event": "purchase",
            "timeout": {"amount": 7, "unit": "days"},
            "save": [{"property": "total", "variable": "amount"}],
        },
        {"next": "thanks", "timed_out": "missed"},
    )
    launch(
        definition(
            pause,
            say("thanks", "Thanks for spending {{ variables.amount }}"),
            say("missed", "We missed you"),
            variables={"amount": "number"},
        ),
        enduser.person,
        other,
    )
    waiting = participant_of(enduser.person)
    assert (waiting.wait_kind, waiting.wait_event) == ("event", "purchase")
    assert close_to(waiting.wake_at, timezone.now() + timedelta(days=7))

    def ingest(person, event: str, key: str, properties: dict | None = None) -> None:
        item = {"idempotency_key": key, "event": event, "person": {"id": person.pk}}
        with django_capture_on_commit_callbacks(execute=True):
            report = people_events.events_ingest(items=[{**item, "properties": properties or {}}])
        assert report.accepted == 1, report.as_dict()

    # Another event of this person, and the awaited event of someone else, resume nobody here.
    ingest(enduser.person, "signup", "k1")
    ingest(other, "purchase", "k2", {"total": 10, "sku": "B-1"})
    assert participant_of(enduser.person).current_node == "pause"
    assert inbox() == []

    ingest(enduser.person, "purchase", "k3", {"total": "42.50", "sku": "A-1"})

    resumed = participant_of(enduser.person)
    assert inbox() == ["Thanks for spending 42.5"]
    assert resumed.state["variables"] == {"amount": 42.5}
    assert resumed.current_node == "thanks"
    assert resumed.wake_at is None and resumed.wait_event == ""
    # Bob's own purchase resumed Bob; neither has a time limit left to fire.
    assert texts_of(other) == ["Thanks for spending 10"]
    assert fire() == 0


def test_an_event_wait_takes_timed_out_when_the_event_does_not_come(launch, enduser, inbox, fire):
    people_events.event_definition_create(key="purchase", label="Purchase")
    pause = node(
        "pause",
        "wait",
        {"mode": "event", "event": "purchase", "timeout": {"amount": 2, "unit": "days"}},
        {"next": "thanks", "timed_out": "missed"},
    )
    launch(definition(pause, say("thanks", "Thanks"), say("missed", "We missed you")), enduser.person)

    timer_due(participant_of(enduser.person))
    assert fire() == 1

    assert inbox() == ["We missed you"]
    assert participant_of(enduser.person).wait_event == ""


# --- reply timeouts -----------------------------------------------------------------------------------------


def timeout_flow() -> dict:
    ask = node(
        "ask",
        "message",
        {
            "text": "Coming on Friday?",
            "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
            "timeout": {"amount": 1, "unit": "days"},
        },
        {"yes": "done", "no": "done", "no_answer": "reminder"},
    )
    return definition(ask, say("reminder", "Still there?"))


def test_an_unanswered_message_sends_the_no_answer_branch_and_can_no_longer_be_answered(
    launch, enduser, inbox, fire, answer
):
    launch(timeout_flow(), enduser.person)
    waiting = participant_of(enduser.person)
    assert waiting.wait_kind == "reply"
    assert close_to(waiting.wake_at, timezone.now() + timedelta(days=1))

    timer_due(waiting)
    assert fire() == 1

    assert inbox() == ["Coming on Friday?", "Still there?"]
    # The inbox shows the first one closed (no buttons), the reminder open.
    listed = {m["text"]: m["locked"] for m in api_client_get(enduser, "/api/inbox/messages/")}
    assert listed == {"Coming on Friday?": True, "Still there?": False}
    first = Message.objects.get(person=enduser.person, node_id="ask")
    assert first.status == "expired"
    refused = answer(first, "yes")
    assert refused.status_code == 409
    assert refused.json()["code"] == "stale"
    assert history(participant_of(enduser.person), "ask")["exit"] == "no_answer"
    # The reminder is what counts now.
    reminder = Message.objects.get(person=enduser.person, node_id="reminder")
    assert answer(reminder, "ok").status_code == 200
    assert participant_of(enduser.person).status == "completed"


def api_client_get(user, url: str):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(user)
    return client.get(url).json()


def test_a_reply_timeout_looping_back_to_its_message_leaves_the_new_one_open(launch, enduser, fire):
    ask = say("ask", "Coming on Friday?", timeout={"amount": 1, "unit": "days"})
    ask["exits"]["no_answer"] = "ask"
    launch(definition(ask), enduser.person)

    timer_due(participant_of(enduser.person))
    assert fire() == 1

    statuses = list(Message.objects.filter(node_id="ask").order_by("pk").values_list("status", flat=True))
    assert statuses == ["expired", "sent"]


def test_an_answer_in_time_cancels_the_reply_timeout(launch, enduser, inbox, fire, answer):
    launch(timeout_flow(), enduser.person)

    response = answer(Message.objects.get(person=enduser.person, node_id="ask"), "yes")

    assert response.status_code == 200
    done = participant_of(enduser.person)
    assert done.status == "completed"
    assert done.wake_at is None
    assert fire() == 0
    assert inbox() == ["Coming on Friday?"]


# --- quiet hours --------------------------------------------------------------------------------------------


def test_a_message_due_in_quiet_hours_is_held_and_sent_when_the_window_opens(launch, enduser, inbox, fire):
    person = people_services.person_update(person=enduser.person, fields={"timezone": "Asia/Tokyo"})
    # A send window that opens two hours from now on the person's clock, whatever time it is.
    opens = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")) + timedelta(hours=2)
    window = {"start": opens.strftime("%H:%M"), "end": (opens + timedelta(hours=1)).strftime("%H:%M")}
    doc = definition(say("hello", "Good morning"))
    doc["settings"] = {"send_window": window}

    launch(doc, person)

    held = participant_of(person)
    assert (held.status, held.current_node, held.wait_kind) == ("waiting", "hello", "quiet_hours")
    assert close_to(held.wake_at, opens.replace(second=0, microsecond=0))
    assert inbox() == []
    assert fire() == 0

    timer_due(held)
    assert fire() == 1

    assert inbox() == ["Good morning"]
    sent = participant_of(person)
    assert (sent.wait_kind, sent.wake_at) == ("reply", None)
    assert fire() == 0


# --- condition split ----------------------------------------------------------------------------------------


def branches_flow(*branches: tuple[str, dict], variables: dict | None = None) -> dict:
    """A condition split whose branches each lead to a message saying the branch's id; "otherwise" too."""
    split = node(
        "split",
        "condition_split",
        {"branches": [{"id": bid, "name": bid.title(), "rules": rules} for bid, rules in branches]},
        {bid: f"say_{bid}" for bid, _ in branches} | {"otherwise": "say_otherwise"},
    )
    says = [say(f"say_{bid}", f"Branch {bid}") for bid in [*(b for b, _ in branches), "otherwise"]]
    return definition(split, *says, variables=variables)


def test_a_condition_split_on_a_custom_attribute_and_a_tag_with_otherwise(launch):
    people_services.attribute_definition_create(key="plan", label="Plan", data_type="TEXT", number_kind="")
    vip = TagFactory(name="VIP")
    ann = people_services.person_create(first_name="Ann", attributes={"plan": "Gold"}, tags=[vip])
    bob = people_services.person_create(first_name="Bob", attributes={"plan": "basic"}, tags=[vip])
    cid = people_services.person_create(first_name="Cid", attributes={"plan": "basic"})
    dee = people_services.person_create(first_name="Dee")

    launch(
        branches_flow(
            ("gold", {"op": "and", "rules": [{"attribute": "plan", "operator": "is", "value": "gold"}]}),
            ("vip", {"op": "and", "rules": [{"tag": vip.pk, "operator": "has"}]}),
        ),
        ann,
        bob,
        cid,
        dee,
    )

    # The first branch that holds wins (Ann is also VIP); text comparisons ignore case.
    assert texts_of(ann) == ["Branch gold"]
    assert texts_of(bob) == ["Branch vip"]
    assert texts_of(cid) == ["Branch otherwise"]
    assert texts_of(dee) == ["Branch otherwise"]
    assert history(participant_of(bob), "split")["exit"] == "vip"


def test_a_condition_split_sees_the_person_as_they_are_when_they_reach_it(launch, enduser, answer):
    """A tag added between the launch and the split counts."""
    vip = TagFactory(name="VIP")
    ask = say("ask", "Ready?", then="split")
    doc = branches_flow(("vip", {"op": "and", "rules": [{"tag": vip.pk, "operator": "has"}]}))
    doc["nodes"].insert(1, ask)
    doc["nodes"][0]["exits"]["next"] = "ask"
    launch(doc, enduser.person)

    people_services.person_tags_add(person=enduser.person, tags=[vip])
    answer(Message.objects.get(person=enduser.person, node_id="ask"), "ok")

    assert texts_of(enduser.person) == ["Ready?", "Branch vip"]


def test_a_condition_mixing_a_flow_variable_and_a_tag(launch):
    """ "No coupon yet and VIP": the variable part is the flow's, the tag part the person's."""
    vip = TagFactory(name="VIP")
    bob = people_services.person_create(first_name="Bob", tags=[vip])
    cid = people_services.person_create(first_name="Cid")
    rules = {
        "op": "and",
        "rules": [{"variable": "coupon", "operator": "is_empty"}, {"tag": vip.pk, "operator": "has"}],
    }

    launch(branches_flow(("welcome", rules), variables={"coupon": "text"}), bob, cid)

    assert texts_of(bob) == ["Branch welcome"]
    assert texts_of(cid) == ["Branch otherwise"]


def test_a_split_right_after_add_tag_and_update_person_sees_the_changes(launch):
    """Tag and profile changes are made as the steps run, so a split in the same advance sees them."""
    people_services.attribute_definition_create(key="plan", label="Plan", data_type="TEXT", number_kind="")
    vip = TagFactory(name="VIP")
    ann = people_services.person_create(first_name="Ann")
    rules = {
        "op": "and",
        "rules": [
            {"tag": vip.pk, "operator": "has"},
            {"attribute": "plan", "operator": "is", "value": "gold"},
        ],
    }
    doc = branches_flow(("vip", rules))
    doc["nodes"][0]["exits"]["next"] = "tag"
    doc["nodes"] += [
        node("tag", "update_tags", {"add": [vip.pk]}, {"next": "upd"}),
        node(
            "upd",
            "update_person",
            {"updates": [{"attribute": "plan", "action": "set", "source": "value", "value": "gold"}]},
            {"next": "split"},
        ),
    ]

    launch(doc, ann)

    assert texts_of(ann) == ["Branch vip"]


# --- update person and tags ---------------------------------------------------------------------------------


def test_update_person_and_tags_change_the_profile_and_show_on_the_timeline(launch, enduser, inbox):
    people_services.attribute_definition_create(key="city", label="City", data_type="TEXT", number_kind="")
    people_services.attribute_definition_create(
        key="score", label="Score", data_type="NUMBER", number_kind="whole"
    )
    vip, old = TagFactory(name="VIP"), TagFactory(name="Prospect")
    person = enduser.person
    people_services.person_tags_add(person=person, tags=[old])
    update = node(
        "upd",
        "update_person",
        {
            "updates": [
                {"attribute": "city", "action": "set", "source": "value", "value": "Gent"},
                {"attribute": "score", "action": "set", "source": "template", "value": "{{ 40 + 2 }}"},
                {
                    "attribute": "last_name",
                    "action": "set",
                    "source": "template",
                    "value": "{{ person.first_name }}son",
                },
            ]
        },
        {"next": "tags"},
    )
    tags = node("tags", "update_tags", {"add": [vip.pk], "remove": [old.pk]}, {"next": "hello"})

    flow = launch(
        definition(update, tags, say("hello", "Hello {{ person.last_name }} from {{ person.city }}")), person
    )

    person.refresh_from_db()
    assert person_attributes(person) == {"city": "Gent", "score": 42}
    assert person.last_name == "Erinson"
    assert set(person.tags.values_list("name", flat=True)) == {"VIP"}
    assert inbox() == ["Hello Erinson from Gent"]
    by_flow = [e for e in person_timeline(person) if e["data"].get("source") == f"flow:{flow.pk}"]
    assert sorted(e["summary"] for e in by_flow) == [
        "Tag Prospect removed",
        "Tag VIP added",
        "city changed from (empty) to Gent",
        "last_name changed from Person to Erinson",
        "score changed from (empty) to 42",
    ]
    assert participant_of(person).status == "waiting"


def test_a_value_the_attribute_refuses_changes_nothing_and_the_history_says_why(launch, enduser):
    people_services.attribute_definition_create(key="city", label="City", data_type="TEXT", number_kind="")
    people_services.attribute_definition_create(
        key="score", label="Score", data_type="NUMBER", number_kind="whole"
    )
    person = enduser.person
    update = node(
        "upd",
        "update_person",
        {
            "updates": [
                {"attribute": "city", "action": "set", "source": "value", "value": "Gent"},
                {"attribute": "first_name", "action": "set", "source": "value", "value": "Eri"},
                # Checked when it is known: a template's value only when the person reaches the step.
                {
                    "attribute": "score",
                    "action": "set",
                    "source": "template",
                    "value": "{{ person.first_name }}",
                },
            ]
        },
        {"next": "done"},
    )

    flow = launch(definition(update), person)

    person.refresh_from_db()
    assert person_attributes(person) == {}
    assert person.first_name == "Erin"
    assert [e for e in person_timeline(person) if e["data"].get("source") == f"flow:{flow.pk}"] == []
    participant = participant_of(person)
    # The flow goes on; the step's history entry says what was refused and why.
    assert participant.status == "completed"
    note = history(participant, "upd")["note"]
    assert note.startswith("Not updated:")
    assert "score" in note


# --- Call URL -----------------------------------------------------------------------------------------------


def call_flow(url: str, *, retries: int = 0) -> dict:
    call = node(
        "call",
        "call_url",
        {
            "method": "POST",
            "url": url,
            "headers": [{"name": "X-Person", "value": "{{ person.first_name }}"}],
            "body_type": "json",
            "body": '{"person": {{ person.id }}}',
            "timeout_seconds": 5,
            "retries": retries,
            "status_variable": "status",
            "save": [{"path": "$.data.code", "variable": "code"}],
        },
        {"success": "got", "failure": "sorry"},
    )
    return definition(
        call,
        say("got", "Your code: {{ variables.code }} (HTTP {{ variables.status }})"),
        say("sorry", "Sorry, no code (HTTP {{ variables.status|d('none') }})"),
        variables={"status": "number", "code": "text"},
    )


@pytest.fixture
def receiver():
    with CallbackReceiver() as server:
        yield server


def call_url(receiver: CallbackReceiver) -> str:
    return receiver.url.replace("/results", "/call")


def test_a_successful_call_saves_its_status_and_a_picked_value_and_takes_success(
    launch, enduser, inbox, receiver
):
    receiver.bodies = [{"data": {"code": "X-42"}}]

    launch(call_flow(call_url(receiver)), enduser.person)

    [request] = receiver.requests
    assert request["path"] == "/call"
    assert json.loads(request["body"]) == {"person": enduser.person.pk}
    assert request["headers"]["X-Person"] == "Erin"
    assert request["headers"]["Content-Type"] == "application/json"
    participant = participant_of(enduser.person)
    assert participant.state["variables"] == {"status": 200, "code": "X-42"}
    assert history(participant, "call")["exit"] == "success"
    assert inbox() == ["Your code: X-42 (HTTP 200)"]


def test_a_failing_call_is_retried_later_then_takes_failure(
    launch, enduser, inbox, receiver, django_capture_on_commit_callbacks
):
    receiver.statuses = [500, 500]

    launch(call_flow(call_url(receiver), retries=1), enduser.person)

    # First attempt made; the retry waits for its backoff, the participant for the outcome.
    assert len(receiver.requests) == 1
    waiting = participant_of(enduser.person)
    assert (waiting.status, waiting.current_node, waiting.wait_kind) == ("waiting", "call", "call")
    retry = OutboxEvent.objects.get(topic=effects.CALL_URL_REQUEST, done_at__isnull=True)
    assert retry.payload["attempt"] == 2
    assert retry.available_at > timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert drain() == 0
    assert len(receiver.requests) == 1

    OutboxEvent.objects.filter(pk=retry.pk).update(available_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        drain()

    assert len(receiver.requests) == 2
    failed = participant_of(enduser.person)
    assert history(failed, "call")["exit"] == "failure"
    assert failed.state["variables"]["status"] == 500
    assert inbox() == ["Sorry, no code (HTTP 500)"]
    # No third attempt.
    assert not OutboxEvent.objects.filter(topic=effects.CALL_URL_REQUEST, done_at__isnull=True).exists()


def test_a_call_into_the_internal_network_is_refused_without_a_request(
    launch_version, enduser, inbox, receiver, settings
):
    version = publish(call_flow(call_url(receiver), retries=2))
    # Published while the loopback network was allowed; the operator has withdrawn that since.
    settings.CALLBACK_ALLOWED_PRIVATE = []

    launch_version(version, enduser.person)

    assert receiver.requests == []
    failed = participant_of(enduser.person)
    entry = history(failed, "call")
    assert entry["exit"] == "failure"
    assert "internal" in entry["note"]
    assert inbox() == ["Sorry, no code (HTTP none)"]
    assert not OutboxEvent.objects.filter(topic=effects.CALL_URL_REQUEST, done_at__isnull=True).exists()


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://localhost/hook"])
def test_publishing_a_call_into_the_internal_network_is_refused(url):
    flow = FlowFactory(draft_definition=call_flow(url))

    with pytest.raises(flow_services.PublishRefused) as refused:
        flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)

    assert [(i.code, i.node_id, i.field) for i in refused.value.issues] == [
        ("private_url", "call", "config.url")
    ]


def test_the_call_handler_run_twice_for_one_event_resumes_the_participant_once(
    launch, enduser, inbox, receiver, django_capture_on_commit_callbacks
):
    receiver.bodies = [{"data": {"code": "X-42"}}, {"data": {"code": "Y-43"}}]
    launch(call_flow(call_url(receiver)), enduser.person)
    event = OutboxEvent.objects.get(topic=effects.CALL_URL_REQUEST)
    assert event.done_at is not None
    after_first = participant_of(enduser.person)

    # A worker that died after the handler ran but before the event was marked done: its lease runs out
    # and another worker handles the same event again.
    OutboxEvent.objects.filter(pk=event.pk).update(done_at=None, claimed_until=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert drain() == 1
        # And once more, straight through the registered handler.
        outbox.handlers()[effects.CALL_URL_REQUEST].func(event.payload, event.pk)

    again = participant_of(enduser.person)
    assert len(receiver.requests) == 1
    assert again.step_count == after_first.step_count
    assert again.state == after_first.state
    assert inbox() == ["Your code: X-42 (HTTP 200)"]
