"""Inbound Call: a person enters when they call our voice number.

    {"recipient": "+32 2 000 00 00",
     "variables": {"call_id": "call", "from": "caller", "to": ""}}

`recipient` "" takes calls to any of our voice numbers. The call's id, the caller's number and the number
called may be kept in declared flow variables ("" keeps nothing). Which calls start the flow is decided
outside the core (the voice channel); `start_variables` gives the variables the participant starts with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.core import variables as flow_variables
from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.elements.inbound_message import recipient_problem, typed
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

CALL_FIELDS = ("call_id", "from", "to")


@register
class InboundCall(EntryPoint):
    type = "inbound_call"
    label = "Inbound Call"
    config_schema = {
        "type": "object",
        "properties": {
            "recipient": {"type": "string"},
            "variables": {
                "type": "object",
                "properties": {name: {"type": "string"} for name in CALL_FIELDS},
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"recipient": "", "variables": {"call_id": "", "from": "", "to": ""}}

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []
        problem = recipient_problem("voice", node.config.get("recipient", ""))
        if problem:
            issues.append(Issue("invalid_recipient", problem, node.id, "config.recipient"))
        for name, variable in (node.config.get("variables") or {}).items():
            if variable and not flow_variables.NAME.fullmatch(variable):
                issues.append(
                    Issue("invalid_name", flow_variables.NAME_RULE, node.id, f"config.variables.{name}")
                )
        return issues

    @staticmethod
    def variable_references(config: dict) -> list[tuple[str, str]]:
        """(field, variable name) of every flow variable the config writes, for the declared-variable
        check of engine/core/validate.py."""
        chosen = config.get("variables")
        return [
            (f"config.variables.{name}", v)
            for name, v in (chosen.items() if isinstance(chosen, dict) else ())
            if v and isinstance(v, str)
        ]

    @staticmethod
    def start_variables(
        config: dict, call_id: str, from_: str, to: str, declared: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The flow variables a caller entering through this entry starts with (pass the flow's
        `variables` as `declared` to have each as its type holds it)."""
        values = {"call_id": call_id, "from": from_, "to": to}
        chosen = config.get("variables") or {}
        return typed({chosen[name]: values[name] for name in CALL_FIELDS if chosen.get(name)}, declared)
