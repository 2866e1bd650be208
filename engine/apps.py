from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"

    def ready(self) -> None:
        from engine import handlers, inbound  # noqa: F401 (register the outbox handlers)
