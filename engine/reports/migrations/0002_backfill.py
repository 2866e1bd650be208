"""Counters for the participants and messages that existed before the counters did."""

from django.db import migrations


def backfill(apps, schema_editor) -> None:
    # The current code on purpose: the counting rules are the ones the handlers will go on with.
    from engine.reports.rebuild import counters_rebuild

    counters_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_counters"),
        ("engine", "0008_trigger_inbound"),
        ("messaging", "0005_channels"),
        ("flowdesigner", "0004_recorded_run"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
