"""The base of every entry point: where participants come in. Inside the flow an entry only passes them
on to its "next" exit; who comes in, and when, is decided outside the core (engine/entries.py and the
triggers in engine/triggers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step

if TYPE_CHECKING:
    from engine.core.definition import Node


class EntryPoint(ElementType):
    category = "entry"
    config_schema = {"type": "object", "properties": {}, "additionalProperties": False}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def enter(self, node: Node, ctx: Context) -> Step:
        return Step.follow("next")
