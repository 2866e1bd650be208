from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0003_pokes"),
    ]

    operations = [
        migrations.AddField(
            model_name="callbackattempt",
            name="fast_path",
            field=models.TextField(blank=True),
        ),
    ]
