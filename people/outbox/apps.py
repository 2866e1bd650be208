from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "people.outbox"
    label = "outbox"
    verbose_name = "Outbox"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_schedule_purge, sender=self)


def _schedule_purge(sender, **kwargs) -> None:
    """The daily purge of handled outbox events, as a django-q2 schedule (created once, after migrate)."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        name="outbox-purge",
        defaults={"func": "people.tasks.outbox_purge", "schedule_type": Schedule.DAILY},
    )
