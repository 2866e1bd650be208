from django.apps import AppConfig
from django.db.backends.signals import connection_created


class PeopleConfig(AppConfig):
    name = "people"

    def ready(self) -> None:
        from people import handlers  # noqa: F401 (registers the outbox handlers)
        from people.conditions import folding

        # SQLite connections get the SQL functions text conditions fold case with.
        connection_created.connect(folding.on_connection_created, dispatch_uid="people.sqlite_functions")
