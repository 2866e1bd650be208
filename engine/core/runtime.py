"""Moving a participant through a flow: start/resume return the new state and the events it produced.

Pure and deterministic: time comes in as `now`, nothing is read or written outside the arguments, and
the input state is never mutated. The caller persists `Result.state` and then acts on `Result.events`.

State (JSON, stored as is):
    {"status": "active" | "waiting" | "completed" | "failed", "current": node id | None,
     "variables": {...}, "history": [{"node_id", "type", "entered_at", "left_at", "exit"(, "memo", "note")}],
     "steps": [results steps], "exit": {"node_id", "name"} | None,
     "wait": {"kind", "wake_at", "event"} | None}
The node waiting keeps its `memo` (e.g. the text as sent) in its history entry until it is answered.
`wait` says what the participant waits for (elements.Wait): the caller copies `kind`, `wake_at` and
`event` onto indexed columns so timers and event handlers find it without reading the state.

Three ways in: `start` (enter at an entry point), `resume` (a reply, an event, a call's outcome at the
node it waits at) and `wake` (its timer is due). All take `seed` (stable per participant, e.g. the person
id) and `assets` (questions about the person that need the database).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.core import elements, timing

# Events and reply errors live beside the element contract (elements produce them); this is their
# public home for callers.
from engine.core.elements import (
    AddToFlow,
    Assets,
    CallUrl,
    Completed,
    Context,
    EmailResults,
    Event,
    Failed,
    FlushResults,
    InvalidReply,
    ReplyError,
    SendMessage,
    StaleReply,
    Step,
    Wait,
)
from engine.core.state import HistoryEntry, ParticipantState

if TYPE_CHECKING:
    from engine.core.definition import FlowDefinition, Node

__all__ = [
    "MAX_NODES_PER_ADVANCE",
    "AddToFlow",
    "Assets",
    "CallUrl",
    "Wait",
    "wake",
    "Completed",
    "EmailResults",
    "Event",
    "Failed",
    "FlushResults",
    "InvalidReply",
    "ReplyError",
    "Result",
    "SendMessage",
    "StaleReply",
    "change_answer",
    "resume",
    "start",
]

# Nodes entered in one advance without waiting; beyond this the flow is looping through pass-through nodes.
MAX_NODES_PER_ADVANCE = 100


def _json_copy(value):
    """A deep copy of JSON data (states, person snapshots): copy.deepcopy's memo costs several times more,
    and a launch copies a snapshot for every person."""
    kind = type(value)
    if kind is dict:
        return {key: _json_copy(item) for key, item in value.items()}
    if kind is list:
        return [_json_copy(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


@dataclass(frozen=True)
class Result:
    """The participant's new state and the events to act on, in order."""

    state: ParticipantState
    events: list[Event]


def start(
    defn: FlowDefinition,
    *,
    entry_id: str,
    person: dict,
    now: datetime,
    variables: dict | None = None,
    seed: int = 0,
    assets: Assets | None = None,
) -> Result:
    """Enter the participant at `entry_id` and run until a node waits, the flow completes or it fails.

    ValueError if `entry_id` is not an entry point of `defn` (a caller bug, not a participant outcome).
    """
    if entry_id not in {n.id for n in defn.entries()}:
        raise ValueError(f'"{entry_id}" is not an entry point of this flow')
    state: ParticipantState = {
        "status": "active",
        "current": None,
        # Declared defaults first; what the entry brings (a trigger's mapped properties) wins.
        "variables": _json_copy({**defn.variable_defaults, **(variables or {})}),
        "history": [],
        "steps": [],
        "exit": None,
        "wait": None,
    }
    run = _Run(defn, state, now=now, person=_json_copy(person), seed=seed, assets=assets)
    run.advance(entry_id)
    return Result(state, run.events)


def resume(
    defn: FlowDefinition,
    state: ParticipantState,
    *,
    reply: dict,
    now: datetime,
    person: dict | None = None,
    seed: int = 0,
    assets: Assets | None = None,
) -> Result:
    """Apply what the participant waited for at its node, then run on.

    `reply` is {"node_id", "button_id"}; a dismiss is {"node_id", "button_id": None}; a form answer is
    {"node_id", "button_id": "positive" | "negative", "value": raw, "files": {upload id: file}}; an event
    is {"node_id", "event": {"key", "properties"}}; a call's outcome {"node_id", "call": {...}}.
    `person` is the same dict start() takes, for the templates of the messages that follow.
    StaleReply if the participant is not waiting at `reply["node_id"]`; InvalidReply if the node does not
    offer what the reply names.
    """
    if state.get("status") != "waiting" or state.get("current") != reply.get("node_id"):
        raise StaleReply(f'The participant is not waiting at "{reply.get("node_id")}"')
    if (state.get("wait") or {}).get("kind") == "quiet_hours":
        raise StaleReply(f'"{reply.get("node_id")}" has not been sent yet (quiet hours)')
    node = defn.nodes.get(state["current"])
    if node is None:
        raise StaleReply(f'"{state["current"]}" is not in this flow version')
    state = _json_copy(state)
    run = _Run(defn, state, now=now, person=_json_copy(person or {}), seed=seed, assets=assets)
    entry = _open_entry(state)
    step = elements.get(node.type).resume(
        node, run.context(node, entered_at=entry["entered_at"], memo=entry.get("memo")), reply
    )
    run.settle(node, step)
    return Result(state, run.events)


def wake(
    defn: FlowDefinition,
    state: ParticipantState,
    *,
    now: datetime,
    person: dict | None = None,
    seed: int = 0,
    assets: Assets | None = None,
) -> Result:
    """The participant's timer is due: a wait ends, a reply timeout or an event's time limit passes, or
    the send window opens on a message held by quiet hours (it is sent now).

    StaleReply if the participant waits for no timer or it is not due yet (a stale claim: someone else
    already resumed it).
    """
    wait = state.get("wait") or {}
    due = wait.get("wake_at")
    if state.get("status") != "waiting" or not due or datetime.fromisoformat(due) > now:
        raise StaleReply("The participant has no timer due")
    node = defn.nodes.get(state.get("current") or "")
    if node is None:
        raise StaleReply(f'"{state.get("current")}" is not in this flow version')
    state = _json_copy(state)
    run = _Run(defn, state, now=now, person=_json_copy(person or {}), seed=seed, assets=assets)
    entry = _open_entry(state)
    if wait.get("kind") == "quiet_hours":
        state["status"] = "active"
        state["wait"] = None
        target = run.enter(node, entry, send_window=False)
        if target is not None:
            run.advance(target)
        return Result(state, run.events)
    step = elements.get(node.type).wake(
        node, run.context(node, entered_at=entry["entered_at"], memo=entry.get("memo"))
    )
    run.settle(node, step)
    return Result(state, run.events)


def change_answer(
    defn: FlowDefinition,
    state: ParticipantState,
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
    state = _json_copy(state)
    recorded = state["steps"][step_index]
    run = _Run(defn, state, now=now, person=person or {})
    ctx = run.context(node, entered_at=recorded["received_at"])
    state["steps"][step_index] = elements.get(node.type).change_answer(node, ctx, reply, recorded)
    return Result(state, [])


class _Run:
    """One advance of one participant: the state it mutates and the events it collects."""

    def __init__(
        self,
        defn: FlowDefinition,
        state: ParticipantState,
        *,
        now: datetime,
        person: dict,
        seed: int = 0,
        assets: Assets | None = None,
    ) -> None:
        self.defn = defn
        self.state = state
        self.now = now
        self.person = person
        self.seed = seed
        self.assets = assets or elements.NoAssets()
        self.events: list[Event] = []
        self.state.setdefault("wait", None)

    def context(self, node: Node, *, entered_at: str, memo: dict | None = None) -> Context:
        return Context(
            now=self.now,
            variables=self.state["variables"],
            person=self.person,
            entered_at=entered_at,
            memo=memo or {},
            translation=self.defn.translation(node.id, self.person.get("language")),
            seed=self.seed,
            assets=self.assets,
            declared=self.defn.variables,
        )

    def advance(self, node_id: str) -> None:
        """Enter nodes from `node_id` on until one waits, completes or fails."""
        target: str | None = node_id
        entered = 0
        while target is not None:
            if entered == MAX_NODES_PER_ADVANCE:
                self.fail(target, f"Entered {MAX_NODES_PER_ADVANCE} elements without waiting; the flow loops")
                return
            entered += 1
            node = self.defn.node(target)
            entry = {
                "node_id": node.id,
                "type": node.type,
                "entered_at": self.now.isoformat(),
                "left_at": None,
                "exit": None,
            }
            self.state["current"] = node.id
            self.state["history"].append(entry)
            target = self.enter(node, entry, send_window=True)

    def enter(self, node: Node, entry: dict, *, send_window: bool) -> str | None:
        """Run `node` (already current, its history entry open); return the node to enter next, if any.
        With `send_window`, a message due outside the flow's send window is held instead."""
        try:
            element = elements.get(node.type)
        except KeyError:
            self.fail(node.id, f'Unknown element type "{node.type}"')
            return None
        if send_window and element.sends_message and self.defn.send_window:
            opening = timing.window_opening(self.now, self.defn.send_window, timing.person_zone(self.person))
            if opening is not None:
                # Quiet hours: hold the message until the window opens; wake() enters the node again.
                self.state["status"] = "waiting"
                self.state["wait"] = Wait("quiet_hours", opening).as_dict()
                entry["note"] = f"Held by quiet hours until {opening.isoformat()}"
                return None
        step = element.enter(node, self.context(node, entered_at=self.now.isoformat()))
        return self._apply(node, step)

    def settle(self, node: Node, step: Step) -> None:
        """Apply a resume/wake step at the waiting node and run on."""
        entry = _open_entry(self.state)
        entry.pop("memo", None)
        self.state["status"] = "active"
        self.state["wait"] = None
        target = self._apply(node, step)
        if target is not None:
            self.advance(target)

    def _apply(self, node: Node, step: Step) -> str | None:
        """Record what `step` decided at `node`; return the node to enter next, if any."""
        state, events = self.state, self.events
        events.extend(step.events)
        entry = _open_entry(state)
        if step.note:
            entry["note"] = step.note
        if step.result is not None:
            state["steps"].append(step.result)
        if step.action == "wait":
            state["status"] = "waiting"
            state["wait"] = (step.waiting or Wait("reply")).as_dict()
            if step.memo is not None:
                entry["memo"] = step.memo
            return None
        state["wait"] = None
        if step.action == "fail":
            self.fail(node.id, step.exit or f'"{node.id}" failed')
            return None
        entry["left_at"] = self.now.isoformat()
        if step.action == "complete":
            name = step.exit or ""
            state["status"] = "completed"
            state["exit"] = {"node_id": node.id, "name": name}
            events.append(
                Completed(node_id=node.id, exit_name=name, wait_for_follow_up=step.wait_for_follow_up)
            )
            return None
        entry["exit"] = step.exit
        destination = node.exits.get(step.exit or "")
        if destination is None:
            self.fail(node.id, f'Exit "{step.exit}" of "{node.id}" is not connected')
            return None
        if destination not in self.defn.nodes:
            self.fail(node.id, f'Exit "{step.exit}" of "{node.id}" leads to unknown node "{destination}"')
            return None
        return destination

    def fail(self, node_id: str | None, reason: str) -> None:
        self.state["status"] = "failed"
        self.state["current"] = node_id
        self.state["wait"] = None
        self.events.append(Failed(node_id=node_id, reason=reason))


def _open_entry(state: ParticipantState) -> HistoryEntry:
    # The current node's entry is always the last one: nodes are entered one at a time.
    return state["history"][-1]
