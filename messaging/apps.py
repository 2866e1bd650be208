from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        from messaging import handlers  # noqa: F401 (registers the outbox handlers)
