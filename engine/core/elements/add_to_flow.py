"""Add to flow: hand the participant, with its variables, to another active flow through that flow's
Existing Flow entry; this flow goes on at "next" at once.

    {"flow": 12, "entry": "existing_1"}

The other flow is entered after this advance commits (an outbox event, engine/handlers.py); when it is
not active or refuses the person (re-entry, frequency cap), the refusal is on the person's timeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import AddToFlow, Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node


@register
class AddToFlowElement(ElementType):
    type = "add_to_flow"
    label = "Add to flow"
    category = "step"
    config_schema = {
        "type": "object",
        "properties": {"flow": {"type": ["integer", "null"]}, "entry": {"type": "string"}},
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"flow": None, "entry": ""}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def validate(self, node: Node) -> list[Issue]:
        if not node.config.get("flow"):
            return [Issue("required", "Choose the flow to add the person to", node.id, "config.flow")]
        if not node.config.get("entry"):
            return [Issue("required", "Choose that flow's Existing Flow entry", node.id, "config.entry")]
        return []

    def enter(self, node: Node, ctx: Context) -> Step:
        event = AddToFlow(node.id, node.config["flow"], node.config["entry"], dict(ctx.variables))
        return Step.follow("next", event)
