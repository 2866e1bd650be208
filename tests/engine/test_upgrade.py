"""Upgrading to the outbox: work that waited in django-q2 before becomes outbox events."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("engine", "0005_callbackdelivery_claimed_until_and_more"), ("outbox", "0001_initial")]
AFTER = [("engine", "0006_pending_work_to_outbox")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # django-q2 stays at its newest migration; its state is part of what the migration reads.
    targets = [*targets, *executor.loader.graph.leaf_nodes("django_q")]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_pending_launches_callbacks_emails_and_imports_become_outbox_events():
    apps = migrate(BEFORE)
    try:
        Flow = apps.get_model("flowdesigner", "Flow")
        FlowVersion = apps.get_model("flowdesigner", "FlowVersion")
        Person = apps.get_model("people", "Person")
        Launch = apps.get_model("engine", "Launch")
        Participant = apps.get_model("engine", "Participant")
        CallbackDelivery = apps.get_model("engine", "CallbackDelivery")
        Schedule = apps.get_model("django_q", "Schedule")
        flow = Flow.objects.create(name="F", draft_definition={"spec_version": 1, "nodes": []})
        version = FlowVersion.objects.create(flow=flow, number=1, definition={"spec_version": 1, "nodes": []})
        person = Person.objects.create(first_name="Ann")
        running = Launch.objects.create(version=version, audience={}, status="running")
        Launch.objects.create(version=version, audience={}, status="done")
        participant = Participant.objects.create(version=version, person=person, launch=running)
        retry_at = timezone.now() + timezone.timedelta(minutes=5)
        pending = CallbackDelivery.objects.create(
            flow=flow,
            participant=participant,
            url="https://example.com/",
            body="{}",
            next_attempt_at=retry_at,
        )
        CallbackDelivery.objects.create(
            flow=flow, participant=participant, url="https://example.com/", body="{}", status="delivered"
        )
        Schedule.objects.create(func="engine.tasks.callback_deliver", args=str(pending.pk), name="old retry")

        apps = migrate(AFTER)

        OutboxEvent = apps.get_model("outbox", "OutboxEvent")
        events = {(e.topic, tuple(e.payload.values())): e for e in OutboxEvent.objects.all()}
        assert set(events) == {("launch.run", (running.pk,)), ("callback.deliver", (pending.pk,))}
        assert events[("callback.deliver", (pending.pk,))].available_at == retry_at
        assert (
            not apps.get_model("django_q", "Schedule")
            .objects.filter(func__startswith="engine.tasks.")
            .exists()
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
