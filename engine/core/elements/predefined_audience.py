"""Predefined Audience: an entry point for chosen tags, segments, persons and companies (one per flow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

AUDIENCE_KEYS = ("tags", "segments", "persons", "companies")
_ID_LIST = {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}


@register
class PredefinedAudience(ElementType):
    type = "predefined_audience"
    label = "Predefined Audience"
    category = "entry"
    max_per_flow = 1
    config_schema = {
        "type": "object",
        "properties": {"tags": _ID_LIST, "segments": _ID_LIST, "persons": _ID_LIST, "companies": _ID_LIST},
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"tags": [], "segments": [], "persons": [], "companies": []}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def validate(self, node: Node) -> list[Issue]:
        if any(node.config.get(key) for key in AUDIENCE_KEYS):
            return []
        return [
            Issue("required", "Choose at least one tag, segment, person or company", node.id, "config.tags")
        ]

    def enter(self, node: Node, ctx: Context) -> Step:
        # Who gets launched is the caller's business; inside the flow an entry just passes on.
        return Step.follow("next")
