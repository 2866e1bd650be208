from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "engine.reports"
    label = "reports"
    verbose_name = "Flow reports"

    def ready(self) -> None:
        from engine.reports import handlers  # noqa: F401 (registers the outbox handlers)
