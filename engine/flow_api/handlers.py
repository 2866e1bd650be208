"""Outbox handlers of the Flow API (registered in FlowApiConfig.ready): working through an operation, and
sending its report to notifyUrl."""

from __future__ import annotations

from engine import callbacks
from engine.flow_api import notify, services
from people import outbox


@outbox.handler(services.PROCESS, atomic=False, lease_seconds=int(services.slice_seconds()) + 60)
def on_operation_process(payload: dict, event_id: int) -> None:
    services.operation_process(payload["operation_id"])


@outbox.handler(services.NOTIFY, atomic=False, lease_seconds=callbacks.claim_seconds() + 10)
def on_operation_notify(payload: dict, event_id: int) -> None:
    notify.operation_notify(payload["operation_id"])
