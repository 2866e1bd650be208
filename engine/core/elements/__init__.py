"""Element types: the base class, the registry, and everything an element module needs.

An element type is one module in this package declaring its config schema, defaults, validation and
behaviour, registered with `@register`. The canvas mirrors the registry (see `describe()`), one folder per
type under flowdesigner/frontend/src/designer/elements/<type>/.

The events a Step carries are defined here rather than in runtime.py so element modules never import the
runtime (the runtime imports the registry; the reverse would be an import cycle); the reply errors live in
errors.py, which imports nothing, and are re-exported here. runtime.py re-exports both as their public home.
"""

from __future__ import annotations

import copy
import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from engine.core.errors import InvalidReply, ReplyError, StaleReply  # noqa: F401 (re-exported)
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

Category = Literal["entry", "step", "exit"]


# --- events: what the caller (engine/services.py) must act on after a start/resume ---------------------


def default_alert() -> dict:
    """Rogerthat's quiet default: no sound, no repeat, no vibration."""
    return {"type": "SILENT", "interval": "NONE", "vibrate": False}


@dataclass(frozen=True)
class SendMessage:
    """Deliver a message to the participant; the participant now waits at `node_id`.

    `text` is already rendered for this participant. The other fields are what the inbox needs to show
    and lock the message (docs/flow-format.md, Message). `channel` is where it goes: "web" (the inbox),
    "sms", "email", or "preferred" (the person's preferred channel, resolved by the engine); outside the
    web the text goes out with its options numbered (engine.core.text_replies). `reprompt` is the
    rendered text sent back when a text reply matches no option ("" = the built-in one).
    """

    node_id: str
    text: str
    buttons: list[dict]  # [{"id": str, "caption": str, "action": str}]
    allow_dismiss: bool = False
    dismiss_caption: str = "Roger that"
    branding: str | None = None
    alert: dict = field(default_factory=default_alert)  # {"type", "interval", "vibrate"}
    auto_lock: bool = True
    attachments: list[dict] = field(default_factory=list)  # [{"name", "url", "content_type", "size"}]
    # A form message's form: {"widget": {...all options}, "positive_caption", "positive_confirmation",
    # "negative_caption", "negative_confirmation"}; None for a plain message (whose buttons are the answers).
    form: dict | None = None
    channel: str = "web"
    reprompt: str = ""


@dataclass(frozen=True)
class FlushResults:
    """A Send results element was passed: deliver the results collected so far (Rogerthat resultsFlush)."""

    node_id: str


@dataclass(frozen=True)
class EmailResults:
    """An Email results element was passed: email the results so far to `emails` (and the admins)."""

    node_id: str
    emails: list[str]
    email_admins: bool


@dataclass(frozen=True)
class Completed:
    """The participant reached an Exit element; results are due."""

    node_id: str
    exit_name: str
    # Rogerthat End's waitForFollowUpMessage: reported in the results, no other behaviour.
    wait_for_follow_up: bool = False


@dataclass(frozen=True)
class Failed:
    """The participant cannot continue (unwired exit, unknown node, a loop that never waits)."""

    node_id: str | None
    reason: str


@dataclass(frozen=True)
class CallUrl:
    """Make an HTTP request on the participant's behalf; the participant waits at `node_id` until the
    outcome comes back as a reply {"node_id", "call": {"ok", "status", "body", "error"}}."""

    node_id: str
    method: str
    url: str
    headers: dict
    body: str | None
    timeout_seconds: float
    retries: int


@dataclass(frozen=True)
class AddToFlow:
    """Hand the participant to flow `flow_id`, entering it at its Existing Flow entry `entry_id` with
    `variables` (after this advance commits)."""

    node_id: str
    flow_id: int
    entry_id: str
    variables: dict


Event = SendMessage | FlushResults | EmailResults | Completed | Failed | CallUrl | AddToFlow


# --- waits: what a waiting participant waits for ----------------------------------------------------

WaitKind = Literal["reply", "timer", "event", "call", "quiet_hours"]


@dataclass(frozen=True)
class Wait:
    """What a participant waits for. `wake_at` (aware) is when its timer fires, if it has one; `event` is
    the event definition key an event wait listens for."""

    kind: WaitKind
    wake_at: datetime | None = None
    event: str | None = None

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "wake_at": self.wake_at.isoformat() if self.wake_at else None,
            "event": self.event,
        }


class Assets(Protocol):
    """The person as a running flow sees it, beyond the snapshot in `Context.person` (the Django side
    implements it against the database, engine/assets.py): questions (`person_matches`), and changes
    that the rest of the same advance must see (a Condition split right after "add tag VIP" finds the
    tag). Changes are made in the caller's transaction, so a rolled-back advance changes nothing; each
    returns None when done, or the reason it was refused (nothing changed)."""

    def person_matches(self, rules: dict) -> bool:
        """Whether the person matches a people rule document (docs/segments.md) now."""
        ...

    def update_person(self, values: dict) -> str | None:
        """Set (None: clear) attributes {key: value}, all or nothing."""
        ...

    def update_tags(self, add: tuple[int, ...], remove: tuple[int, ...]) -> str | None:
        """Add and remove tags by id."""
        ...

    def save_answer(self, key: str, result: dict, display: str) -> str | None:
        """Save a form answer (its typed result {"type", "value"}) into attribute `key`."""
        ...


class NoAssets:
    """Assets for callers that have no database (tests of the core, previews): matches nobody, and
    accepts changes without keeping them."""

    def person_matches(self, rules: dict) -> bool:
        return False

    def update_person(self, values: dict) -> str | None:
        return None

    def update_tags(self, add: tuple[int, ...], remove: tuple[int, ...]) -> str | None:
        return None

    def save_answer(self, key: str, result: dict, display: str) -> str | None:
        return None


# --- the element contract -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What an element sees while the runtime runs it.

    `variables` is the participant's own (already copied) dict, so later element types may update it.
    `person` is what start()/resume() was given (empty when resume() got none).
    `entered_at` is the ISO time the current node was entered (equal to `now` on enter).
    `memo` is what the node stored when it started waiting (Step.wait(memo=...)); {} on enter.
    `translation` is this node's texts in the person's language ({} for the flow's own language).
    `seed` is stable for the participant (its person id): random choices derived from it never change.
    `assets` answers questions about the person that need the database (segment conditions).
    """

    now: datetime
    variables: dict
    person: dict
    entered_at: str
    memo: dict = field(default_factory=dict)
    translation: dict = field(default_factory=dict)
    seed: int = 0
    assets: Assets = field(default_factory=NoAssets)
    # The flow's declared variables: name -> type (engine/core/variables.py).
    declared: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """An element's decision: follow an exit now, wait for a reply, complete the flow, or fail.

    `exit` is the exit to follow for "follow", the name the flow ended with for "complete" and the reason
    for "fail". `result` is appended to the participant's results steps (what the results POST delivers).
    `memo` (wait only) is kept in the node's history entry and handed back as `Context.memo` on resume,
    e.g. the text exactly as it was sent. `wait_for_follow_up` (complete only) goes into `Completed`.
    """

    action: Literal["follow", "wait", "complete", "fail"]
    exit: str | None = None
    events: tuple[Event, ...] = ()
    result: dict | None = field(default=None)
    memo: dict | None = None
    wait_for_follow_up: bool = False
    waiting: Wait | None = None
    # A line for the participant's history (why a call failed, what a wait decided).
    note: str | None = None

    @classmethod
    def follow(
        cls, exit_name: str, *events: Event, result: dict | None = None, note: str | None = None
    ) -> Step:
        return cls("follow", exit=exit_name, events=events, result=result, note=note)

    @classmethod
    def wait(cls, *events: Event, memo: dict | None = None, until: Wait | None = None) -> Step:
        """Wait at this node: for a reply unless `until` says otherwise (a timer, an event, a call)."""
        return cls("wait", events=events, memo=memo, waiting=until or Wait("reply"))

    @classmethod
    def complete(cls, name: str, *, wait_for_follow_up: bool = False) -> Step:
        return cls("complete", exit=name, wait_for_follow_up=wait_for_follow_up)

    @classmethod
    def fail(cls, reason: str) -> Step:
        return cls("fail", exit=reason)


class ElementType(ABC):
    """Base class of every element type. Subclasses set the class attributes and override what differs."""

    type: ClassVar[str]
    label: ClassVar[str]
    category: ClassVar[Category]
    config_schema: ClassVar[dict] = {"type": "object"}
    # How many of this type a flow may hold (None = any); validate reports each one beyond it.
    max_per_flow: ClassVar[int | None] = None
    # Elements that send a message to the person wait for the flow's send window (quiet hours).
    sends_message: ClassVar[bool] = False

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

    @abstractmethod
    def enter(self, node: Node, ctx: Context) -> Step:
        """Run the node as the participant arrives."""

    def resume(self, node: Node, ctx: Context, reply: dict) -> Step:
        """Take a reply at a node this element made wait. Elements that never wait refuse replies."""
        raise StaleReply(f'"{node.id}" does not take replies')

    def wake(self, node: Node, ctx: Context) -> Step:
        """The timer this node waits on is due (a reply timeout, a wait's end). Nodes without timers
        never get here; the runtime refuses a wake that is not due."""
        raise StaleReply(f'"{node.id}" has no timer')

    def change_answer(self, node: Node, ctx: Context, reply: dict, recorded: dict) -> dict:
        """The results step replacing `recorded` when a participant answers again (a message without
        auto-lock). Never advances the flow. Elements whose answers cannot change refuse."""
        raise StaleReply(f'The answer to "{node.id}" cannot be changed')


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
# A new element type is one module in this package plus its name here, in palette order.
BUILTINS = (
    "predefined_audience",
    "profile_change",
    "people_event",
    "date_time",
    "flow_api",
    "existing_flow",
    "sftp_import",
    "inbound_message",
    "inbound_call",
    "message",
    "form_message",
    "evaluate_reply",
    "wait",
    "condition_split",
    "random_split",
    "update_person",
    "update_tags",
    "call_url",
    "add_to_flow",
    "send_results",
    "email_results",
    "exit",
)
for _module in BUILTINS:
    importlib.import_module(f"{__name__}.{_module}")
