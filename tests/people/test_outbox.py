"""The outbox: an event exists exactly when its transaction commits, and its topic's handler gets it at
least once: retried with backoff when it fails, given up (dead) after OUTBOX_MAX_ATTEMPTS, taken up again
when the worker holding it dies, and not before the time it was published for."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from people import outbox
from people.models import Tag
from people.outbox import registry, worker
from people.outbox.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(request):
    """A topic of this test alone; its handler is unregistered afterwards."""
    name = f"test.{request.node.name}"[:64]  # topics are at most 64 characters
    yield name
    registry._registry.pop(name, None)


@pytest.fixture
def calls():
    return []


@pytest.fixture
def by_worker(settings):
    # Events are handled by the worker's loop (drain), not relayed in the publishing process.
    settings.OUTBOX_RELAY_ALL = False


def register(topic, calls, *, fail=False, **options):
    """Register a handler for `topic` that records its calls and raises when `fail` is true."""

    def handle(payload, event_id):
        calls.append((payload, event_id))
        if fail:
            raise ValueError(f"boom {len(calls)}")

    outbox.handler(topic, **options)(handle)


def pending(event: OutboxEvent) -> OutboxEvent:
    event.refresh_from_db()
    return event


@pytest.mark.django_db(transaction=True)
def test_an_event_exists_only_when_its_transaction_commits(by_worker, topic, calls):
    register(topic, calls)

    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.publish(topic, {"n": 1})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists()
    assert worker.drain() == 0

    with transaction.atomic():
        event = outbox.publish(topic, {"n": 2})
    assert worker.drain() == 1
    assert calls == [({"n": 2}, event.pk)]
    event = pending(event)
    assert event.done_at is not None
    assert (event.attempts, event.claimed_until, event.last_error) == (1, None, "")

    assert worker.drain() == 0  # handled once
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_with_the_relay_an_event_is_handled_in_process_after_commit(settings, topic, calls):
    settings.OUTBOX_RELAY_ALL = False
    register(topic, calls, inline=True)

    with transaction.atomic():
        event = outbox.publish(topic, {"n": 1})
        assert calls == []  # not before the commit
    assert calls == [({"n": 1}, event.pk)]
    assert pending(event).done_at is not None
    assert worker.drain() == 0


@pytest.mark.django_db(transaction=True)
def test_events_published_together_are_one_insert_and_each_is_handled_after_commit(settings, topic, calls):
    settings.OUTBOX_RELAY_ALL = False
    register(topic, calls, inline=True)
    later = "test.together.later"
    later_calls = []
    register(later, later_calls)
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as queries, outbox.together():
                first = outbox.publish(topic, {"n": 1})
                middle = outbox.publish(later, {"n": 2})
                second = outbox.publish(topic, {"n": 3})
                assert first.pk is None and OutboxEvent.objects.count() == 0  # not written yet
            assert len([q for q in queries if q["sql"].startswith("INSERT")]) == 1
            assert calls == []  # not before the commit
        # The inline topic's events relayed by this process, in order; the other one is the worker's.
        assert calls == [({"n": 1}, first.pk), ({"n": 3}, second.pk)]
        assert later_calls == []
        assert worker.drain() == 1
        assert later_calls == [({"n": 2}, middle.pk)]
    finally:
        registry._registry.pop(later, None)


@pytest.mark.django_db(transaction=True)
def test_events_of_a_together_block_that_fails_are_not_written(by_worker, topic, calls):
    register(topic, calls)
    with pytest.raises(RuntimeError), transaction.atomic(), outbox.together():
        outbox.publish(topic, {"n": 1})
        raise RuntimeError("the change failed")
    with transaction.atomic(), outbox.together():
        with outbox.together():  # nested: written with the outer block
            outbox.publish(topic, {"n": 2})
        outbox.publish(topic, {"n": 3})
    assert list(OutboxEvent.objects.order_by("pk").values_list("payload", flat=True)) == [{"n": 2}, {"n": 3}]


def test_a_relayed_event_is_the_publishers_until_its_lease_ends_then_the_workers(settings, topic, calls):
    settings.OUTBOX_RELAY_ALL = False
    register(topic, calls, inline=True, lease_seconds=30)

    # This test's transaction never commits, so the relay never runs: the publishing process died between
    # its commit and its relay.
    event = outbox.publish(topic, {"n": 1})

    # Written claimed by its publisher: no worker takes it meanwhile (the push is not made twice).
    assert worker.drain() == 0 and calls == []
    assert timezone.now() + timedelta(seconds=29) < pending(event).claimed_until
    # The lease runs out (what waiting would do): the worker takes the event up.
    OutboxEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert worker.drain() == 1
    assert calls == [({"n": 1}, event.pk)]
    assert (pending(event).attempts, pending(event).done_at is not None) == (2, True)


def test_a_failing_handler_is_retried_with_backoff_then_given_up(by_worker, settings, topic, calls):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    register(topic, calls, fail=True)
    event = outbox.publish(topic, {"n": 1})

    delays = []
    for attempt in (1, 2):
        started = timezone.now()
        worker.drain()
        event = pending(event)
        assert len(calls) == attempt
        assert (event.attempts, event.done_at, event.dead_at, event.claimed_until) == (
            attempt,
            None,
            None,
            None,
        )
        assert event.last_error == f"ValueError: boom {attempt}"
        delays.append(event.available_at - started)
        assert worker.drain() == 0 and len(calls) == attempt  # not again before its time
        # Its time comes (what waiting would do).
        OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
    assert timedelta(seconds=1) <= delays[0] < timedelta(seconds=2)
    assert timedelta(seconds=2) <= delays[1] < timedelta(seconds=3)

    worker.drain()
    event = pending(event)
    assert (len(calls), event.attempts, event.done_at) == (3, 3, None)
    assert event.dead_at is not None
    assert event.last_error == "ValueError: boom 3"
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
    assert worker.drain() == 0 and len(calls) == 3  # a dead event is never tried again


def test_a_failing_handler_does_not_stop_the_other_events(by_worker, topic, calls):
    def handle(payload, event_id):
        calls.append(payload["n"])
        if payload["n"] == 1:
            raise ValueError("boom")

    outbox.handler(topic)(handle)
    first, second = outbox.publish(topic, {"n": 1}), outbox.publish(topic, {"n": 2})

    worker.drain()

    assert calls == [1, 2]
    assert pending(first).done_at is None and pending(second).done_at is not None


def test_an_atomic_handlers_writes_roll_back_with_its_failure(by_worker, topic):
    def handle(payload, event_id):
        Tag.objects.create(name=payload["tag"])
        if payload["fail"]:
            raise ValueError("boom")

    outbox.handler(topic, atomic=True)(handle)
    failed = outbox.publish(topic, {"tag": "failed", "fail": True})
    handled = outbox.publish(topic, {"tag": "handled", "fail": False})

    worker.drain()

    assert list(Tag.objects.values_list("name", flat=True)) == ["handled"]
    assert pending(failed).done_at is None and pending(failed).last_error == "ValueError: boom"
    assert pending(handled).done_at is not None


def test_an_event_held_by_a_worker_is_taken_up_again_only_when_its_lease_runs_out(by_worker, topic, calls):
    register(topic, calls, lease_seconds=60)
    event = outbox.publish(topic, {"n": 1})
    # A worker claims the event and dies before handling it: the row keeps its lease.
    assert [e.pk for e in worker.claim_due()] == [event.pk]
    assert pending(event).claimed_until > timezone.now() + timedelta(seconds=50)

    assert worker.drain() == 0  # still held
    assert calls == []

    # The lease runs out (what the dead worker leaves behind once 60 s have passed).
    OutboxEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert worker.drain() == 1
    assert calls == [({"n": 1}, event.pk)]
    event = pending(event)
    assert event.done_at is not None
    assert event.attempts == 2  # the lost attempt counts


def test_an_event_published_for_later_is_not_handled_before_its_time(
    topic, calls, django_capture_on_commit_callbacks
):
    # The relay is on (the suite's default): even so, a delayed event waits.
    register(topic, calls)
    later = timezone.now() + timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        event = outbox.publish(topic, {"n": 1}, available_at=later)
    assert worker.drain() == 0
    assert calls == []
    assert pending(event).available_at == later

    # The hour passes.
    OutboxEvent.objects.filter(pk=event.pk).update(available_at=timezone.now())
    assert worker.drain() == 1
    assert calls == [({"n": 1}, event.pk)]


def test_an_event_whose_handler_keeps_killing_the_worker_is_given_up(by_worker, settings, topic, calls):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    register(topic, calls)
    with transaction.atomic():
        event = outbox.publish(topic, {"n": 1})
    for _ in range(3):
        # A worker claims it and dies before the handler returns: the lease is all that is left.
        assert [e.pk for e in worker.claim_due()] == [event.pk]
        OutboxEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert worker.claim_due() == []
    event = pending(event)
    assert event.dead_at is not None and "stopped during every attempt" in event.last_error
    assert calls == []


def test_the_relay_leaves_an_event_without_handler_untouched(settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_RELAY_ALL = True
    with django_capture_on_commit_callbacks(execute=True):
        event = outbox.publish("test.nobody_handles_this", {"n": 1})
    event = pending(event)
    assert (event.attempts, event.claimed_until, event.done_at) == (0, None, None)


def test_operators_see_given_up_events_in_the_admin(client, settings, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    OutboxEvent.objects.create(
        topic="callback.deliver", payload={}, dead_at=timezone.now(), last_error="boom 10"
    )
    OutboxEvent.objects.create(topic="launch.run", payload={}, done_at=timezone.now())
    client.force_login(admin)
    response = client.get("/admin/outbox/outboxevent/?state=dead")
    assert [(e.topic, e.last_error) for e in response.context["cl"].result_list] == [
        ("callback.deliver", "boom 10")
    ]
    assert "boom 10" in response.content.decode()
