"""Predefined Audience: an entry point for chosen tags, segments, persons and companies (one per flow).

"update": "never" keeps the audience static (staff launch it); "realtime" also enters, while the flow is
active, anyone who comes to match later (a tag added, a segment now true, a company joined), decided
from that person's change events (engine/triggers.py), and lets staff add and remove people by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

AUDIENCE_KEYS = ("tags", "segments", "persons", "companies")
UPDATES = ("never", "realtime")
_ID_LIST = {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}


@register
class PredefinedAudience(EntryPoint):
    type = "predefined_audience"
    label = "Predefined Audience"
    max_per_flow = 1
    config_schema = {
        "type": "object",
        "properties": {
            "tags": _ID_LIST,
            "segments": _ID_LIST,
            "persons": _ID_LIST,
            "companies": _ID_LIST,
            "update": {"enum": list(UPDATES)},
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"tags": [], "segments": [], "persons": [], "companies": [], "update": "never"}

    def validate(self, node: Node) -> list[Issue]:
        if any(node.config.get(key) for key in AUDIENCE_KEYS):
            return []
        return [
            Issue("required", "Choose at least one tag, segment, person or company", node.id, "config.tags")
        ]


def is_realtime(config: dict) -> bool:
    return config.get("update") == "realtime"
