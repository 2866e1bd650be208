"""Activating, pausing and finishing flows: what decides whether a flow takes people by itself.

A flow is active once staff activate it (or launch it). While it is active its newest published version
is the one triggers, integrations and "Add to flow" enter people into, and publishing a new version
moves them over to it (engine.triggers.triggers_sync rewrites the trigger index). Pausing or finishing
stops new entries; people already in the flow go on.
"""

from __future__ import annotations

from django.db import transaction

from engine.definitions import LaunchRefused
from flowdesigner.models import Flow


@transaction.atomic
def flow_activate(*, flow_id: int) -> Flow:
    """Make the flow active with its newest published version. LaunchRefused when nothing is published."""
    from engine.triggers import triggers_sync

    flow = Flow.objects.select_for_update().get(pk=flow_id)
    if flow.latest_version is None:
        raise LaunchRefused("Publish the flow before activating it.")
    if flow.status in (Flow.Status.FINISHED, Flow.Status.CANCELLED):
        raise LaunchRefused(f"This flow is {flow.status}; it cannot be activated again.")
    if flow.status != Flow.Status.ACTIVE:
        flow.status = Flow.Status.ACTIVE
        flow.save(update_fields=["status", "updated_at"])
    triggers_sync(flow)
    return flow


@transaction.atomic
def flow_pause(*, flow_id: int) -> Flow:
    """Stop new entries for now (triggers, Flow API, imports); people in the flow go on."""
    return _stop(flow_id, Flow.Status.PAUSED)


@transaction.atomic
def flow_finish(*, flow_id: int) -> Flow:
    """End the flow for good: no new entries ever; people in the flow go on to its end."""
    return _stop(flow_id, Flow.Status.FINISHED)


def _stop(flow_id: int, status: str) -> Flow:
    from engine.triggers import triggers_sync

    flow = Flow.objects.select_for_update().get(pk=flow_id)
    flow.status = status
    flow.save(update_fields=["status", "updated_at"])
    triggers_sync(flow)
    return flow
