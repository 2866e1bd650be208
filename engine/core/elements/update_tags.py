"""Add / remove tags: tags (by id) added to and removed from the person through the assets
(people.services on the Django side: each change lands on their timeline and emits a change event), at
once, so later steps of the same advance see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

_ID_LIST = {"type": "array", "items": {"type": "integer"}, "uniqueItems": True}


@register
class UpdateTagsElement(ElementType):
    type = "update_tags"
    label = "Add / remove tags"
    category = "step"
    config_schema = {
        "type": "object",
        "properties": {"add": _ID_LIST, "remove": _ID_LIST},
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"add": [], "remove": []}

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def validate(self, node: Node) -> list[Issue]:
        add, remove = node.config.get("add", []), node.config.get("remove", [])
        if not add and not remove:
            return [Issue("required", "Choose a tag to add or remove", node.id, "config.add")]
        both = set(add) & set(remove)
        if both:
            return [Issue("conflict", "A tag cannot be both added and removed", node.id, "config.remove")]
        return []

    def enter(self, node: Node, ctx: Context) -> Step:
        add = tuple(node.config.get("add", []))
        remove = tuple(node.config.get("remove", []))
        refused = ctx.assets.update_tags(add, remove)
        if refused:
            return Step.follow("next", note=f"Tags not changed: {refused}")
        tags = set(ctx.person.get("tag_ids") or []) | set(add)
        ctx.person["tag_ids"] = sorted(tags - set(remove))
        return Step.follow("next")
