"""What the staff pages say about a flow's state.

`Flow.status` is the flow's life cycle (draft until it is first activated or launched, then active, paused,
...), so a flow that was published but never launched is still "draft" there. Pages must not call such a
flow "Draft": it has a published version people can be launched into. These helpers give the words.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdesigner.models import Flow, FlowVersion


@dataclass(frozen=True)
class PublishState:
    """The newest published version of a flow (None: never published) and whether the draft has edits
    that are not in it (the canvas layout aside: moving a node changes nothing people see)."""

    number: int | None
    unpublished_changes: bool

    @property
    def label(self) -> str:
        return f"Published v{self.number}" if self.number is not None else "Draft"


def _content(definition: object) -> object:
    if isinstance(definition, dict):
        return {key: value for key, value in definition.items() if key != "ui"}
    return definition


def publish_state(flow: Flow, latest: FlowVersion | None) -> PublishState:
    """The publish state of `flow`, given its newest version (the caller has it, often prefetched)."""
    if latest is None:
        return PublishState(number=None, unpublished_changes=False)
    changed = _content(flow.draft_definition) != _content(latest.definition)
    return PublishState(number=latest.number, unpublished_changes=changed)


def status_label(flow: Flow, state: PublishState) -> str:
    """The flow's status in words: its life cycle once active (Active, Paused, Finished, Cancelled), else
    "Published vN" or "Draft" (never "Draft" for a flow with a published version)."""
    if flow.status != Flow.Status.DRAFT:
        return flow.get_status_display()
    return state.label
