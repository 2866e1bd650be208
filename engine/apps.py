from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"

    def ready(self) -> None:
        from engine import handlers  # noqa: F401 (registers the outbox handlers)
