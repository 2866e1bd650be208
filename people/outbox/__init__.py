"""The durable outbox: domain events written as rows in the same transaction as the change, consumed by
handlers registered per topic, delivered at least once.

It lives in `people`, the lowest Django app, so every app can publish without importing a higher one:
a lower app that must make a higher one act writes an event here and the higher app's handler reacts.

    from people import outbox

    outbox.publish("participant.completed", {"participant_id": 7})   # inside the writer's transaction

    @outbox.handler("participant.completed")
    def on_completed(payload: dict, event_id: int) -> None: ...       # in the higher app's handlers.py

See people/outbox/registry.py for the handler options and people/outbox/worker.py for delivery.
"""

from people.outbox.registry import handler, handlers, publish, relay, together

__all__ = ["handler", "handlers", "publish", "relay", "together"]
