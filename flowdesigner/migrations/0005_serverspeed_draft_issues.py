"""The draft's validation issues stored with its revision (Flow.draft_issues). Existing drafts are filled
lazily, on their first read (flowdesigner/draft_issues.py): no validation runs in the migration."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("flowdesigner", "0004_recorded_run")]

    operations = [
        migrations.AddField(
            model_name="flow",
            name="draft_issues",
            field=models.JSONField(blank=True, default=None, editable=False, null=True),
        ),
    ]
