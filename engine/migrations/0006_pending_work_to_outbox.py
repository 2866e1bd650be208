"""Upgrade: work that was waiting in django-q2 (tasks in the broker, Schedule rows for callback retries)
becomes outbox events, so nothing pending before the upgrade is left behind."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    OutboxEvent = apps.get_model("outbox", "OutboxEvent")
    Launch = apps.get_model("engine", "Launch")
    CallbackDelivery = apps.get_model("engine", "CallbackDelivery")
    ResultsEmail = apps.get_model("engine", "ResultsEmail")
    PersonImport = apps.get_model("people", "PersonImport")
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    events = [
        OutboxEvent(topic="launch.run", payload={"launch_id": pk}, created_at=now, available_at=now)
        for pk in Launch.objects.filter(status__in=["queued", "running"]).values_list("pk", flat=True)
    ]
    events += [
        OutboxEvent(
            topic="callback.deliver",
            payload={"delivery_id": pk},
            created_at=now,
            available_at=next_attempt_at or now,
        )
        for pk, next_attempt_at in CallbackDelivery.objects.filter(status="pending").values_list(
            "pk", "next_attempt_at"
        )
    ]
    events += [
        OutboxEvent(topic="results_email.send", payload={"email_id": pk}, created_at=now, available_at=now)
        for pk in ResultsEmail.objects.filter(status="pending").values_list("pk", flat=True)
    ]
    events += [
        OutboxEvent(topic="person_import.run", payload={"import_id": pk}, created_at=now, available_at=now)
        for pk in PersonImport.objects.filter(status__in=["queued", "running"]).values_list("pk", flat=True)
    ]
    OutboxEvent.objects.bulk_create(events)
    # Their old django-q2 schedules name task functions that no longer exist.
    Schedule.objects.filter(func__startswith="engine.tasks.").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0005_callbackdelivery_claimed_until_and_more"),
        ("outbox", "0001_initial"),
        ("people", "0006_imports"),
        ("django_q", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
