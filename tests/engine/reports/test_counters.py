"""The reports' counters (engine/counting.py, engine/reports) against the participants' real histories:
after a launch, answers, a removal, a reply timeout, form answers and a failure; and the rebuild from
history gives the same numbers as counting as people move. (A worker SIGKILLed mid-launch:
tests/engine/test_faults.py.)"""

from datetime import UTC, datetime

import pytest

from engine import entries
from engine import services as engine_services
from engine.models import Participant
from engine.reports.models import HourCount, NodeCount
from engine.reports.rebuild import counters_rebuild
from engine.timers import timers_fire
from flowdesigner import services as flow_services
from messaging.models import Message
from tests.engine.reports import counts
from tests.factories import FlowFactory, PersonFactory, TagFactory, two_step_definition
from tests.helpers import timer_due

pytestmark = pytest.mark.django_db


def publish(doc: dict):
    flow = FlowFactory(draft_definition=doc)
    return flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service call with every outbox event it causes handled (the counters too)."""

    def call(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)

    return call


def answer(run, person, node_id: str, **reply):
    message = Message.objects.get(person=person, node_id=node_id, direction="out", answered_at=None)
    if "form" in reply:
        return run(
            engine_services.participant_answer,
            message_id=message.pk,
            button_id=None,
            form={"button": "positive", **reply["form"]},
            person=person,
        )
    return run(
        engine_services.participant_answer, message_id=message.pk, button_id=reply["button"], person=person
    )


def node_count(version, node_id: str, metric: str, label: str = "") -> int:
    row = NodeCount.objects.filter(version=version, node_id=node_id, metric=metric, label=label).first()
    return row.total if row else 0


def assert_match_history(*versions) -> None:
    ids = [v.pk for v in versions]
    assert counts.stored(ids) == counts.from_history(ids)
    assert counts.stored_hours_by_metric(ids) == counts.hours_from_history(ids)


def test_counts_follow_a_launch_answers_and_a_removal(run):
    persons = [PersonFactory() for _ in range(6)]
    version = publish(two_step_definition(tags=[TagFactory().pk]))
    run(engine_services.launch_create, version=version, audience={"persons": [p.pk for p in persons]})

    assert node_count(version, "ask", "waiting") == 6
    assert node_count(version, "", "entered") == 6
    answer(run, persons[0], "ask", button="yes")
    answer(run, persons[1], "ask", button="yes")
    answer(run, persons[2], "ask", button="no")
    answer(run, persons[0], "thanks", button="ok")
    run(entries.remove, flow=version.flow, person=persons[3])

    # What staff read on the canvas: 6 reached the question, 2 said yes, 1 said no, 1 was taken out, 2
    # still wait there; one is at "thanks"; 2 finished, 1 exited, 3 are still in the flow.
    assert node_count(version, "ask", "entered") == 6
    assert (node_count(version, "ask", "exit", "yes"), node_count(version, "ask", "exit", "no")) == (2, 1)
    assert node_count(version, "ask", "exit", "removed") == 1
    assert (node_count(version, "ask", "waiting"), node_count(version, "thanks", "waiting")) == (2, 1)
    assert [node_count(version, "", m) for m in ("completed", "exited", "active")] == [2, 1, 3]
    # 8 messages (6 questions, 2 "Great!"): 4 answered, 1 closed by the removal, 3 sent and not answered.
    delivery = [
        node_count(version, "", "delivery", f"web:{s}") for s in ("read", "expired", "sent", "queued")
    ]
    assert delivery == [4, 1, 3, 0]
    assert_match_history(version)


def test_a_reply_timeout_counts_as_timed_out_and_expires_the_message(run):
    person = PersonFactory()
    doc = two_step_definition(tags=[TagFactory().pk])
    ask = next(n for n in doc["nodes"] if n["id"] == "ask")
    ask["config"]["timeout"] = {"amount": 1, "unit": "days"}
    ask["exits"]["no_answer"] = "declined"
    version = publish(doc)
    run(engine_services.launch_create, version=version, audience={"persons": [person.pk]})

    timer_due(Participant.objects.get(person=person))
    assert run(timers_fire) == 1

    assert node_count(version, "ask", "timed_out") == 1
    assert node_count(version, "ask", "exit", "no_answer") == 1
    assert node_count(version, "ask", "waiting") == 0
    assert node_count(version, "", "completed") == 1
    assert node_count(version, "", "delivery", "web:expired") == 1
    assert node_count(version, "", "delivery", "web:sent") == 0
    assert_match_history(version)


CHOICES = [{"value": "store", "label": "In the store"}, {"value": "web", "label": "On the website"}]


def form_flow(widget: dict) -> dict:
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [TagFactory().pk]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "form_message",
                "config": {
                    "text": "Where?",
                    "widget": widget,
                    "positive_caption": "Send",
                    "negative_caption": "Skip",
                },
                "exits": {"positive": "done", "negative": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }


def test_form_answers_are_counted_by_value(run):
    persons = [PersonFactory() for _ in range(4)]
    version = publish(form_flow({"type": "single_select", "choices": CHOICES}))
    run(engine_services.launch_create, version=version, audience={"persons": [p.pk for p in persons]})
    for person, value in zip(persons[:3], ["web", "store", "web"], strict=True):
        answer(run, person, "ask", form={"value": value})

    assert node_count(version, "ask", "value", "web") == 2
    assert node_count(version, "ask", "value", "store") == 1
    assert node_count(version, "ask", "exit", "positive") == 3
    assert_match_history(version)
    nodes_before = counts.stored([version.pk], values=True)
    counters_rebuild([version.pk])
    assert counts.stored([version.pk], values=True) == nodes_before


def test_sliders_and_dates_are_counted_by_number_and_day(run):
    persons = [PersonFactory() for _ in range(3)]
    slider = publish(form_flow({"type": "slider", "min": 0, "max": 10, "step": 1}))
    run(engine_services.launch_create, version=slider, audience={"persons": [p.pk for p in persons]})
    for person, value in zip(persons, [7, 7.0, 3], strict=True):
        answer(run, person, "ask", form={"value": value})
    assert (node_count(slider, "ask", "value", "7"), node_count(slider, "ask", "value", "3")) == (2, 1)

    when = int(datetime(2026, 12, 24, 18, 30, tzinfo=UTC).timestamp())
    dates = publish(form_flow({"type": "date_select", "mode": "date"}))
    run(engine_services.launch_create, version=dates, audience={"persons": [persons[0].pk]})
    answer(run, persons[0], "ask", form={"value": when - when % 86400})
    assert node_count(dates, "ask", "value", "2026-12-24") == 1

    times = publish(form_flow({"type": "date_select", "mode": "time"}))
    run(engine_services.launch_create, version=times, audience={"persons": [persons[1].pk]})
    answer(run, persons[1], "ask", form={"value": 8 * 3600 + 30 * 60})
    assert node_count(times, "ask", "value", "08:30") == 1


def test_a_failure_is_counted_on_its_element(run):
    person = PersonFactory()
    doc = two_step_definition(tags=[TagFactory().pk])
    next(n for n in doc["nodes"] if n["id"] == "thanks")["config"]["text"] = "Great! {{ 1 // 0 }}"
    version = publish(doc)  # the text cannot be rendered: the participant fails at "thanks"
    run(engine_services.launch_create, version=version, audience={"persons": [person.pk]})
    answer(run, person, "ask", button="yes")

    assert Participant.objects.get(person=person).status == "failed"
    assert (node_count(version, "thanks", "failed"), node_count(version, "", "failed")) == (1, 1)
    assert node_count(version, "thanks", "waiting") == 0
    assert_match_history(version)


def test_the_rebuild_from_history_equals_counting_as_people_move(run):
    persons = [PersonFactory() for _ in range(5)]
    version = publish(two_step_definition(tags=[TagFactory().pk]))
    run(engine_services.launch_create, version=version, audience={"persons": [p.pk for p in persons]})
    answer(run, persons[0], "ask", button="no")
    answer(run, persons[1], "ask", button="yes")
    live = counts.stored([version.pk])
    hours = list(
        HourCount.objects.filter(version=version).values_list("hour", "metric", "total").order_by("pk")
    )

    counters_rebuild([version.pk])

    assert counts.stored([version.pk]) == live
    rebuilt = HourCount.objects.filter(version=version).values_list("hour", "metric", "total")
    assert sorted(rebuilt) == sorted(hours)


def test_pending_counts_are_added_in_one_batch_and_a_bad_event_holds_up_no_other(settings):
    from people import outbox
    from people.outbox.models import OutboxEvent
    from people.outbox.worker import drain

    settings.OUTBOX_RELAY_ALL = False  # events wait for the worker, as in production
    persons = [PersonFactory() for _ in range(3)]
    version = publish(two_step_definition(tags=[TagFactory().pk]))
    launch = engine_services.launch_create(version=version, audience={"persons": [p.pk for p in persons]})
    engine_services.launch_run(launch.pk)  # its batch publishes the counts; nobody handles them yet
    bad = outbox.publish(
        "report.counts", {"nodes": [[version.pk, "ask", "entered", "", "many"]], "hours": []}
    )
    # The launch batch's counts (steps and deliveries together) and the bad one.
    assert OutboxEvent.objects.filter(topic="report.counts", done_at=None).count() == 2

    drain()

    assert_match_history(version)
    bad.refresh_from_db()
    assert bad.done_at is None and "many" in bad.last_error
    assert not OutboxEvent.objects.filter(topic="report.counts", done_at=None).exclude(pk=bad.pk).exists()
