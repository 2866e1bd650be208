"""People real-time event: a person enters when an event they just had makes the conditions true.

    {"conditions": [{"event": "addToCart", "operator": "happened",
                     "within": {"amount": 7, "unit": "days"}, "count": {"operator": "eq", "value": 3},
                     "properties": [{"property": "itemId", "operator": "is", "value": "A1"}]},
                    {"event": "purchase", "operator": "not_happened", "within": {...}}],
     "save": [{"property": "itemId", "variable": "item"}],
     "include_historical": false}

Conditions are people event conditions (docs/segments.md), all of which must hold; "not happened" only
beside a "happened" (a flow cannot start on something that does not happen). Without
`include_historical`, only events since the flow became active count. The triggering event's properties
are saved into flow variables by `save`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import variables as flow_variables
from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

MAX_CONDITIONS = 10


@register
class PeopleEvent(EntryPoint):
    type = "people_event"
    label = "People real-time event"
    config_schema = {
        "type": "object",
        "properties": {
            "conditions": {"type": "array", "items": {"type": "object"}, "maxItems": MAX_CONDITIONS},
            "save": flow_variables.SAVE_SCHEMA,
            "include_historical": {"type": "boolean"},
        },
        "required": ["conditions"],
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"conditions": [], "save": [], "include_historical": False}

    def validate(self, node: Node) -> list[Issue]:
        conditions = node.config["conditions"]
        if not any(c.get("operator") == "happened" for c in conditions):
            message = (
                "Add a condition on an event that happened; not happened can only go beside one"
                if conditions
                else "Choose the event that starts the flow"
            )
            return [Issue("required", message, node.id, "config.conditions")]
        return [
            Issue(code, message, node.id, f"config.{field}")
            for code, message, field in flow_variables.save_problems(node.config.get("save", []))
        ]


def triggering_events(config: dict) -> set[str]:
    """The event keys whose arrival can start the flow (those of the "happened" conditions)."""
    return {c["event"] for c in config.get("conditions", []) if c.get("operator") == "happened"}
