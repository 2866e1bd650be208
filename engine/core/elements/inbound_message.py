"""Inbound Message: a person enters when they send a keyword to one of our numbers or addresses.

    {"channel": "sms", "recipient": "+32 470 00 00 00",
     "conditions": [{"operator": "contains_word", "values": ["join", "start"]},
                    {"operator": "matches_regex", "pattern": "^sub(scribe)?$", "ignore_case": true}],
     "capture": [{"source": "body", "variable": "code", "pattern": "code (\\\\w+)"}]}

Any one condition starts the flow (operators in engine/core/inbound.py); `recipient` "" takes messages
to any of our numbers or addresses on that channel. A flow may hold several Inbound Message entries. Which
flow an inbound message starts is decided outside the core by engine/core/inbound.Router (best operator,
then flow priority, then chance); the captures give the variables the participant starts with.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.core import inbound
from engine.core import variables as flow_variables
from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from collections.abc import Hashable

    from engine.core.definition import Node

CHANNELS = ("sms", "email", "web")
MAX_CONDITIONS = 50
MAX_CAPTURES = 20
MAX_RECIPIENT = 254
_PHONE = re.compile(r"\+?[0-9]{3,15}")  # a short code or an E.164 number
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def recipient_problem(channel: str, recipient: str) -> str | None:
    """Why `recipient` cannot be one of our numbers/addresses on `channel` ("" means any), or None."""
    if not recipient:
        return None
    if len(recipient) > MAX_RECIPIENT:
        return f"The recipient is longer than {MAX_RECIPIENT} characters"
    compact = "".join(recipient.split())
    if channel in ("sms", "voice") and not _PHONE.fullmatch(compact):
        return "The recipient must be a phone number (+32470000000) or a short code of digits"
    if channel == "email" and not _EMAIL.fullmatch(compact):
        return "The recipient must be an email address"
    if not compact:
        return "The recipient is blank; leave it empty to take any of our addresses"
    return None


def conditions_issues(node: Node, conditions: list[dict], where: str) -> list[Issue]:
    """The issues of a list of inbound conditions at `where` ("config.conditions")."""
    return [
        Issue("invalid_condition", message, node.id, f"{where}[{i}].{field}")
        for i, condition in enumerate(conditions)
        for field, message in inbound.condition_problems(condition)
    ]


def typed(values: dict[str, Any], declared: dict[str, str] | None) -> dict[str, Any]:
    """`values` as their declared variables hold them; a value its variable cannot hold (text into a
    number variable) is left out, so the variable keeps its default."""
    if not declared:
        return values
    out: dict[str, Any] = {}
    for name, value in values.items():
        try:
            out[name] = flow_variables.coerce(value, declared[name]) if name in declared else value
        except flow_variables.VariableValueError:
            continue
    return out


@register
class InboundMessage(EntryPoint):
    type = "inbound_message"
    label = "Inbound Message"
    config_schema = {
        "type": "object",
        "properties": {
            "channel": {"enum": list(CHANNELS)},
            "recipient": {"type": "string"},
            "conditions": {"type": "array", "items": inbound.CONDITION_SCHEMA},
            "capture": {"type": "array", "items": inbound.CAPTURE_SCHEMA},
        },
        "required": ["conditions"],
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        # SMS is the seed's default channel.
        # One empty "matches text" to fill in: the keyword is what a marketer writes first.
        return {
            "channel": "sms",
            "recipient": "",
            "conditions": [{"operator": "matches_text", "values": [""]}],
            "capture": [],
        }

    def validate(self, node: Node) -> list[Issue]:
        config = node.config
        issues: list[Issue] = []
        problem = recipient_problem(config.get("channel", "sms"), config.get("recipient", ""))
        if problem:
            issues.append(Issue("invalid_recipient", problem, node.id, "config.recipient"))
        conditions = config["conditions"]
        if not conditions:
            issues.append(Issue("required", "Add a condition on the message", node.id, "config.conditions"))
        elif len(conditions) > MAX_CONDITIONS:
            message = f"At most {MAX_CONDITIONS} conditions in one entry point"
            issues.append(Issue("too_many", message, node.id, "config.conditions"))
        issues += conditions_issues(node, conditions, "config.conditions")
        captures = config.get("capture", [])
        if len(captures) > MAX_CAPTURES:
            message = f"At most {MAX_CAPTURES} captures in one entry point"
            issues.append(Issue("too_many", message, node.id, "config.capture"))
        seen: set[str] = set()
        for i, spec in enumerate(captures):
            for field, message in inbound.capture_problems(spec):
                issues.append(Issue("invalid_capture", message, node.id, f"config.capture[{i}].{field}"))
            if spec["variable"] in seen:
                message = f'"{spec["variable"]}" is already saved by an earlier capture'
                issues.append(Issue("duplicate", message, node.id, f"config.capture[{i}].variable"))
            seen.add(spec["variable"])
        return issues

    @staticmethod
    def variable_references(config: dict) -> list[tuple[str, str]]:
        """(field, variable name) of every flow variable the config writes, for the declared-variable
        check of engine/core/validate.py."""
        captures = config.get("capture")
        return [
            (f"config.capture[{i}].variable", c["variable"])
            for i, c in enumerate(captures if isinstance(captures, list) else [])
            if isinstance(c, dict) and isinstance(c.get("variable"), str)
        ]

    @staticmethod
    def route_entry(key: Hashable, config: dict, *, priority: int = 3) -> inbound.RouteEntry:
        """The router's view of one Inbound Message entry (key: the caller's trigger id)."""
        return inbound.RouteEntry(
            key=key,
            channel=config.get("channel", "sms"),
            recipient=config.get("recipient", ""),
            conditions=tuple(config["conditions"]),
            priority=priority,
        )

    @staticmethod
    def start_variables(
        config: dict, message: inbound.InboundText, declared: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The flow variables a participant entering through this entry starts with: the captures of
        the inbound message, each as its declared type holds it (pass the flow's `variables` as
        `declared`); a capture without a match, or a value its variable cannot hold, is left out."""
        return typed(inbound.capture(config.get("capture", []), message), declared)
