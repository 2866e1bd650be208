"""The participant's state as the runtime keeps it: JSON, stored as is, typed here for readers and tools.

See docs/flow-format.md, Runtime, for an example.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

Status = Literal["active", "waiting", "completed", "failed"]


class HistoryEntry(TypedDict):
    """One element the participant entered."""

    node_id: str
    type: str
    entered_at: str  # ISO 8601
    left_at: str | None
    exit: str | None
    memo: NotRequired[dict]  # what the waiting node keeps for the answer (the text as sent)
    note: NotRequired[str]  # why it went this way (a call's status, a refused update, quiet hours)


class WaitState(TypedDict):
    """What a waiting participant waits for (elements.Wait.as_dict())."""

    kind: Literal["reply", "timer", "event", "call", "quiet_hours"]
    wake_at: str | None  # ISO 8601, when its timer fires
    event: str | None  # the event key an event wait takes


class ExitReached(TypedDict):
    node_id: str
    name: str


class ParticipantState(TypedDict):
    """One participant's pass through one flow version."""

    status: Status
    current: str | None
    variables: dict
    history: list[HistoryEntry]
    steps: list[dict]  # Rogerthat-shaped results steps (engine/results.py)
    exit: ExitReached | None
    wait: NotRequired[WaitState | None]
