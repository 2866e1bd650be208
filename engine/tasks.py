"""django-q2 tasks: take ids, call one service."""

from engine import callbacks, services


def launch_run(launch_id: int) -> None:
    services.launch_run(launch_id)


def callback_deliver(delivery_id: int) -> None:
    callbacks.callback_deliver(delivery_id)


def results_email_send(email_id: int) -> None:
    services.results_email_send(email_id=email_id)
