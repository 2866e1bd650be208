from django.apps import AppConfig


class FlowApiConfig(AppConfig):
    name = "engine.flow_api"
    label = "flow_api"
    verbose_name = "Flow API"

    def ready(self) -> None:
        from engine.flow_api import handlers  # noqa: F401 (registers the outbox handlers)
