"""The base of every entry point: where participants come in. Inside the flow an entry only passes them
on to its "next" exit; who comes in, and when, is decided outside the core (engine/entries.py and the
triggers in engine/triggers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node


class EntryPoint(ElementType):
    category = "entry"
    config_schema = {"type": "object", "properties": {}, "additionalProperties": False}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def enter(self, node: Node, ctx: Context) -> Step:
        return Step.follow("next")


def save_issues(node: Node, field: str = "save") -> list[Issue]:
    """Issues of a list of {"property", "variable"} mappings (event properties into flow variables)."""
    issues = []
    for i, saved in enumerate(node.config.get(field) or []):
        if not saved.get("property", "").strip():
            where = f"config.{field}[{i}].property"
            issues.append(Issue("required", "Name the event property to save", node.id, where))
    return issues
