from django.apps import AppConfig


class SftpConfig(AppConfig):
    name = "engine.sftp"
    label = "sftp"
    verbose_name = "SFTP imports"

    def ready(self) -> None:
        from engine.sftp import handlers  # noqa: F401 (registers the outbox handlers)
