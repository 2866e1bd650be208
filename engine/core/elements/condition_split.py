"""Condition split: ordered branches, each a condition tree over the person (attributes, tags, segments,
companies, events: the people rule documents of docs/segments.md) and flow variables, plus "otherwise".
The first branch whose conditions hold is taken."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import branches, conditions
from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

OTHERWISE = "otherwise"


@register
class ConditionSplit(ElementType):
    type = "condition_split"
    label = "Condition split"
    category = "step"
    config_schema = branches.schema(rules={"type": "object"})

    def defaults(self) -> dict:
        return {"branches": [{"id": "b1", "name": "Branch 1", "rules": {"op": "and", "rules": []}}]}

    def exits(self, config: dict) -> list[str]:
        return [*branches.exits(config), OTHERWISE]

    def unwired_message(self, config: dict, exit_name: str) -> str:
        if exit_name == OTHERWISE:
            return 'The "otherwise" exit (no branch matched) is not connected'
        return branches.unwired(config, exit_name)

    def validate(self, node: Node) -> list[Issue]:
        issues = branches.issues(node, at_least=1, reserved=OTHERWISE)
        splits = node.config["branches"]
        for i, branch in enumerate(splits):
            where = f"config.branches[{i}]"
            rules = branch["rules"]
            if not rules.get("rules") and "variable" not in rules:
                later = '"otherwise"' if i == len(splits) - 1 else "every later branch"
                label = branch["name"] or i + 1
                message = f'Branch "{label}" has no conditions, so {later} is unreachable'
                issues.append(Issue("unreachable_branch", message, node.id, f"{where}.rules"))
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        for branch in node.config["branches"]:
            if conditions.matches(
                branch["rules"], variables=ctx.variables, declared=ctx.declared, assets=ctx.assets
            ):
                return Step.follow(branch["id"])
        return Step.follow(OTHERWISE)
