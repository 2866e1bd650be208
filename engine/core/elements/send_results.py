"""Send results (Rogerthat's resultsFlush): deliver the results collected so far, then pass on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, FlushResults, Step, register

if TYPE_CHECKING:
    from engine.core.definition import Node


@register
class SendResults(ElementType):
    type = "send_results"
    label = "Send results"
    category = "step"
    config_schema = {"type": "object", "properties": {}, "additionalProperties": False}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def enter(self, node: Node, ctx: Context) -> Step:
        return Step.follow("next", FlushResults(node_id=node.id))
