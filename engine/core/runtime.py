"""Moving a participant through a flow: start/resume return the new state and the events it produced.

Pure and deterministic: time comes in as `now`, nothing is read or written outside the arguments, and
the input state is never mutated. The caller persists `Result.state` and then acts on `Result.events`.

State (JSON, stored as is):
    {"status": "active" | "waiting" | "completed" | "failed", "current": node id | None,
     "variables": {...}, "history": [{"node_id", "type", "entered_at", "left_at", "exit"(, "memo")}],
     "steps": [results steps], "exit": {"node_id", "name"} | None}
The node waiting keeps its `memo` (e.g. the text as sent) in its history entry until it is answered.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.core import elements

# Events and reply errors live beside the element contract (elements produce them); this is their
# public home for callers.
from engine.core.elements import (
    Completed,
    Context,
    EmailResults,
    Event,
    Failed,
    FlushResults,
    InvalidReply,
    ReplyError,
    SaveAttribute,
    SendMessage,
    StaleReply,
    Step,
)

if TYPE_CHECKING:
    from engine.core.definition import FlowDefinition, Node

__all__ = [
    "MAX_NODES_PER_ADVANCE",
    "Completed",
    "EmailResults",
    "Event",
    "Failed",
    "FlushResults",
    "InvalidReply",
    "ReplyError",
    "Result",
    "SaveAttribute",
    "SendMessage",
    "StaleReply",
    "change_answer",
    "resume",
    "start",
]

# Nodes entered in one advance without waiting; beyond this the flow is looping through pass-through nodes.
MAX_NODES_PER_ADVANCE = 100


@dataclass(frozen=True)
class Result:
    """The participant's new state and the events to act on, in order."""

    state: dict
    events: list[Event]


def start(
    defn: FlowDefinition, *, entry_id: str, person: dict, now: datetime, variables: dict | None = None
) -> Result:
    """Enter the participant at `entry_id` and run until a node waits, the flow completes or it fails.

    ValueError if `entry_id` is not an entry point of `defn` (a caller bug, not a participant outcome).
    """
    if entry_id not in {n.id for n in defn.entries()}:
        raise ValueError(f'"{entry_id}" is not an entry point of this flow')
    state: dict = {
        "status": "active",
        "current": None,
        "variables": copy.deepcopy(variables or {}),
        "history": [],
        "steps": [],
        "exit": None,
    }
    events: list[Event] = []
    _advance(defn, state, events, entry_id, now=now, person=copy.deepcopy(person))
    return Result(state, events)


def resume(
    defn: FlowDefinition, state: dict, *, reply: dict, now: datetime, person: dict | None = None
) -> Result:
    """Apply a participant's reply at the node it waits at, then run on.

    `reply` is {"node_id", "button_id"}; a dismiss is {"node_id", "button_id": None}; a form answer is
    {"node_id", "button_id": "positive" | "negative", "value": raw, "files": {upload id: file}}.
    `person` is the same dict start() takes, for the templates of the messages that follow.
    StaleReply if the participant is not waiting at `reply["node_id"]`; InvalidReply if the node does not
    offer what the reply names.
    """
    if state.get("status") != "waiting" or state.get("current") != reply.get("node_id"):
        raise StaleReply(f'The participant is not waiting at "{reply.get("node_id")}"')
    node = defn.nodes.get(state["current"])
    if node is None:
        raise StaleReply(f'"{state["current"]}" is not in this flow version')
    state = copy.deepcopy(state)
    person = copy.deepcopy(person or {})
    entry = _open_entry(state)
    ctx = Context(
        now=now,
        variables=state["variables"],
        person=person,
        entered_at=entry["entered_at"],
        memo=entry.get("memo") or {},
        translation=defn.translation(node.id, person.get("language")),
    )
    step = elements.get(node.type).resume(node, ctx, reply)
    entry.pop("memo", None)
    state["status"] = "active"
    events: list[Event] = []
    destination = _apply(defn, state, events, node, step, now)
    if destination is not None:
        _advance(defn, state, events, destination, now=now, person=person)
    return Result(state, events)


def change_answer(
    defn: FlowDefinition,
    state: dict,
    *,
    step_index: int,
    reply: dict,
    now: datetime,
    person: dict | None = None,
) -> Result:
    """Replace the answer recorded in `state["steps"][step_index]` by a new reply to the same node.

    For messages that stay answerable (auto-lock off): the flow does not move and no event is produced;
    only the results step changes (answer, caption, display value, acknowledged time). StaleReply if that
    step is not an answer of `reply["node_id"]`; InvalidReply if the node refuses the reply or locks.
    """
    steps = state.get("steps", [])
    if not 0 <= step_index < len(steps) or steps[step_index].get("step_id") != reply.get("node_id"):
        raise StaleReply(f'There is no recorded answer of "{reply.get("node_id")}" to change')
    node = defn.nodes.get(reply["node_id"])
    if node is None:
        raise StaleReply(f'"{reply["node_id"]}" is not in this flow version')
    state = copy.deepcopy(state)
    recorded = state["steps"][step_index]
    person = person or {}
    ctx = Context(
        now=now,
        variables=state["variables"],
        person=person,
        entered_at=recorded["received_at"],
        translation=defn.translation(node.id, person.get("language")),
    )
    state["steps"][step_index] = elements.get(node.type).change_answer(node, ctx, reply, recorded)
    return Result(state, [])


def _advance(
    defn: FlowDefinition, state: dict, events: list[Event], node_id: str, *, now: datetime, person: dict
) -> None:
    """Enter nodes from `node_id` on until one waits, completes or fails."""
    target: str | None = node_id
    entered = 0
    while target is not None:
        if entered == MAX_NODES_PER_ADVANCE:
            reason = f"Entered {MAX_NODES_PER_ADVANCE} elements without waiting; the flow loops"
            _fail(state, events, target, reason)
            return
        entered += 1
        node = defn.node(target)
        state["current"] = node.id
        state["history"].append(
            {
                "node_id": node.id,
                "type": node.type,
                "entered_at": now.isoformat(),
                "left_at": None,
                "exit": None,
            }
        )
        try:
            element = elements.get(node.type)
        except KeyError:
            _fail(state, events, node.id, f'Unknown element type "{node.type}"')
            return
        ctx = Context(
            now=now,
            variables=state["variables"],
            person=person,
            entered_at=now.isoformat(),
            translation=defn.translation(node.id, person.get("language")),
        )
        target = _apply(defn, state, events, node, element.enter(node, ctx), now)


def _apply(
    defn: FlowDefinition, state: dict, events: list[Event], node: Node, step: Step, now: datetime
) -> str | None:
    """Record what `step` decided at `node`; return the node to enter next, if any."""
    events.extend(step.events)
    if step.result is not None:
        state["steps"].append(step.result)
    if step.action == "wait":
        state["status"] = "waiting"
        if step.memo is not None:
            _open_entry(state)["memo"] = step.memo
        return None
    if step.action == "fail":
        _fail(state, events, node.id, step.exit or f'"{node.id}" failed')
        return None
    entry = _open_entry(state)
    entry["left_at"] = now.isoformat()
    if step.action == "complete":
        name = step.exit or ""
        state["status"] = "completed"
        state["exit"] = {"node_id": node.id, "name": name}
        events.append(Completed(node_id=node.id, exit_name=name, wait_for_follow_up=step.wait_for_follow_up))
        return None
    entry["exit"] = step.exit
    destination = node.exits.get(step.exit or "")
    if destination is None:
        _fail(state, events, node.id, f'Exit "{step.exit}" of "{node.id}" is not connected')
        return None
    if destination not in defn.nodes:
        _fail(
            state, events, node.id, f'Exit "{step.exit}" of "{node.id}" leads to unknown node "{destination}"'
        )
        return None
    return destination


def _fail(state: dict, events: list[Event], node_id: str | None, reason: str) -> None:
    state["status"] = "failed"
    state["current"] = node_id
    events.append(Failed(node_id=node_id, reason=reason))


def _open_entry(state: dict) -> dict:
    # The current node's entry is always the last one: nodes are entered one at a time.
    return state["history"][-1]
