"""Outbox handlers of the messaging app (registered in MessagingConfig.ready)."""

from messaging import delivery
from messaging.services import DISPATCH, SEND, messages_dispatch
from people import outbox


@outbox.handler(DISPATCH, atomic=False, inline=True)
def on_dispatch(payload: dict, event_id: int) -> None:
    # At least once: a second push of the same message is harmless (the inbox keys cards by id).
    messages_dispatch(payload["ids"], payload.get("persons"))


@outbox.handler(SEND, atomic=False, lease_seconds=delivery.LEASE_SECONDS)
def on_send(payload: dict, event_id: int) -> None:
    # Network inside, so not atomic. At least once: each message is claimed before it is sent, and a
    # message no longer queued is skipped, so a second run sends nothing twice.
    delivery.messages_send(payload["ids"])
