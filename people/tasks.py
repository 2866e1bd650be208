"""django-q2 tasks of the people app: take ids, call one service."""

from people import imports


def person_import_run(import_id: int) -> None:
    imports.person_import_run(import_id)
