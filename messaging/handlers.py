"""Outbox handlers of the messaging app (registered in MessagingConfig.ready)."""

from messaging.services import DISPATCH, messages_dispatch
from people import outbox


@outbox.handler(DISPATCH, atomic=False, inline=True)
def on_dispatch(payload: dict, event_id: int) -> None:
    # At least once: a second push of the same message is harmless (the inbox keys cards by id).
    messages_dispatch(payload["ids"])
