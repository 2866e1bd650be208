"""Exit (Rogerthat's End): ends the participant's pass under a name that results and reports count."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node


@register
class Exit(ElementType):
    type = "exit"
    label = "Exit"
    category = "exit"
    config_schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "wait_for_follow_up": {"type": "boolean"}},
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"name": "Exit"}

    def validate(self, node: Node) -> list[Issue]:
        if node.config.get("name", "").strip():
            return []
        return [Issue("required", "Give the exit a name", node.id, "config.name")]

    def enter(self, node: Node, ctx: Context) -> Step:
        # Rogerthat's waitForFollowUpMessage: the service is told the person waits for its follow-up
        # message; it only travels in the results.
        return Step.complete(
            node.config.get("name", ""), wait_for_follow_up=node.config.get("wait_for_follow_up", False)
        )
