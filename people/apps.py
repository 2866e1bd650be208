from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"

    def ready(self) -> None:
        from people import handlers  # noqa: F401 (registers the outbox handlers)
