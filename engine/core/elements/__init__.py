"""Element types: the base class, the registry, and everything an element module needs.

An element type is one module in this package declaring its config schema, defaults, validation and
behaviour, registered with `@register`. The canvas mirrors the registry (see `describe()`), one folder per
type under flowdesigner/frontend/src/designer/elements/<type>/.

The events a Step carries and the reply errors an element may raise are defined here rather than in
runtime.py so element modules never import the runtime (the runtime imports the registry; the reverse
would be an import cycle). runtime.py re-exports them as their public home.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal

from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

Category = Literal["entry", "step", "exit"]


# --- events: what the caller (engine/services.py) must act on after a start/resume ---------------------


@dataclass(frozen=True)
class SendMessage:
    """Deliver a message with buttons to the participant; the participant now waits at `node_id`."""

    node_id: str
    text: str
    buttons: list[dict]  # [{"id": str, "caption": str}]


@dataclass(frozen=True)
class Completed:
    """The participant reached an Exit element; results are due."""

    node_id: str
    exit_name: str


@dataclass(frozen=True)
class Failed:
    """The participant cannot continue (unwired exit, unknown node, a loop that never waits)."""

    node_id: str | None
    reason: str


Event = SendMessage | Completed | Failed


# --- reply errors ---------------------------------------------------------------------------------------


class ReplyError(ValueError):
    """A reply the participant cannot accept; `code` tells the caller which refusal to show."""

    code: str = "reply"


class StaleReply(ReplyError):
    """The participant is not waiting at that node (moved on, finished, or never got there)."""

    code = "stale"


class InvalidReply(ReplyError):
    """The reply names something the waiting node does not offer (e.g. an unknown button)."""

    code = "invalid"


# --- the element contract -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What an element sees while the runtime runs it.

    `variables` is the participant's own (already copied) dict, so later element types may update it.
    `person` is what start() was given; resume() has no person, so it is empty there.
    `entered_at` is the ISO time the current node was entered (equal to `now` on enter).
    """

    now: datetime
    variables: dict
    person: dict
    entered_at: str


@dataclass(frozen=True)
class Step:
    """An element's decision: follow an exit now, wait for a reply, or complete the flow.

    `exit` is the exit to follow for "follow" and the name the flow ended with for "complete".
    `result` is appended to the participant's results steps (what the results POST delivers).
    """

    action: Literal["follow", "wait", "complete"]
    exit: str | None = None
    events: tuple[Event, ...] = ()
    result: dict | None = field(default=None)

    @classmethod
    def follow(cls, exit_name: str, *, result: dict | None = None) -> Step:
        return cls("follow", exit=exit_name, result=result)

    @classmethod
    def wait(cls, *events: Event) -> Step:
        return cls("wait", events=events)

    @classmethod
    def complete(cls, name: str) -> Step:
        return cls("complete", exit=name)


class ElementType:
    """Base class of every element type. Subclasses set the class attributes and override what differs."""

    type: ClassVar[str]
    label: ClassVar[str]
    category: ClassVar[Category]
    config_schema: ClassVar[dict] = {"type": "object"}
    # How many of this type a flow may hold (None = any); validate reports each one beyond it.
    max_per_flow: ClassVar[int | None] = None

    def defaults(self) -> dict:
        """Config of a freshly placed node."""
        return {}

    def exits(self, config: dict) -> list[str]:
        """Names of the exits a node with this config has, in display order."""
        return []

    def validate(self, node: Node) -> list[Issue]:
        """Content rules for a node whose config already matches `config_schema`."""
        return []

    def unwired_message(self, config: dict, exit_name: str) -> str:
        """The sentence shown when `exit_name` leads nowhere."""
        return f'Exit "{exit_name}" is not connected'

    def enter(self, node: Node, ctx: Context) -> Step:
        """Run the node as the participant arrives."""
        raise NotImplementedError

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        """Take a reply at a node this element made wait. Elements that never wait refuse replies."""
        raise StaleReply(f'"{node.id}" does not take replies')


_REGISTRY: dict[str, ElementType] = {}


def register(cls: type[ElementType]) -> type[ElementType]:
    """Class decorator adding an element type to the registry under `cls.type`."""
    if cls.type in _REGISTRY:
        raise ValueError(f'Element type "{cls.type}" is registered twice')
    _REGISTRY[cls.type] = cls()
    return cls


def get(type_name: str) -> ElementType:
    """The registered element type; KeyError if unknown."""
    return _REGISTRY[type_name]


def all_types() -> list[ElementType]:
    """Every registered element type, in registration order."""
    return list(_REGISTRY.values())


_CATEGORY_ORDER: dict[str, int] = {"entry": 0, "step": 1, "exit": 2}


def describe() -> list[dict]:
    """The registry as JSON for the canvas, which builds its palette and side panels from it.

    Ordered as the palette shows it: entry points, then steps, then exits (registration order within).
    """
    return [
        {
            "type": t.type,
            "label": t.label,
            "category": t.category,
            "config_schema": copy.deepcopy(t.config_schema),
            "defaults": t.defaults(),
        }
        for t in sorted(all_types(), key=lambda t: _CATEGORY_ORDER[t.category])
    ]


# Built-ins register themselves on import; this must come after the base class and registry exist.
# A new element type is one module in this package plus its name here.
from engine.core.elements import exit, message, predefined_audience  # noqa: E402, F401
