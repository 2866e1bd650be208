"""Condition split: ordered branches, each a condition tree over the person (attributes, tags, segments,
companies, events: the people rule documents of docs/segments.md) and flow variables, plus "otherwise".
The first branch whose conditions hold is taken."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.core import conditions
from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

OTHERWISE = "otherwise"
BRANCH_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,64}")
MAX_BRANCHES = 20


@register
class ConditionSplit(ElementType):
    type = "condition_split"
    label = "Condition split"
    category = "step"
    config_schema = {
        "type": "object",
        "required": ["branches"],
        "properties": {
            "branches": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "rules"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "rules": {"type": "object"},
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"branches": [{"id": "b1", "name": "Branch 1", "rules": {"op": "and", "rules": []}}]}

    def exits(self, config: dict) -> list[str]:
        return [*dict.fromkeys(b["id"] for b in config.get("branches", [])), OTHERWISE]

    def unwired_message(self, config: dict, exit_name: str) -> str:
        if exit_name == OTHERWISE:
            return 'The "otherwise" exit (no branch matched) is not connected'
        name = next((b["name"] for b in config.get("branches", []) if b["id"] == exit_name), exit_name)
        return f'Branch "{name.strip() or exit_name}" is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []
        branches = node.config["branches"]
        if not branches:
            issues.append(Issue("required", "Add at least one branch", node.id, "config.branches"))
        if len(branches) > MAX_BRANCHES:
            issues.append(
                Issue("too_many", f"A split has at most {MAX_BRANCHES} branches", node.id, "config.branches")
            )
        seen: set[str] = set()
        for i, branch in enumerate(branches):
            where = f"config.branches[{i}]"
            if not BRANCH_ID.fullmatch(branch["id"]) or branch["id"] == OTHERWISE:
                message = (
                    f'Branch {i + 1} needs an id of letters, digits and _ . : = + / - other than "otherwise"'
                )
                issues.append(Issue("invalid_id", message, node.id, f"{where}.id"))
            elif branch["id"] in seen:
                issues.append(
                    Issue("duplicate", f'Two branches have the id "{branch["id"]}"', node.id, f"{where}.id")
                )
            seen.add(branch["id"])
            if not branch["name"].strip():
                issues.append(Issue("required", f"Name branch {i + 1}", node.id, f"{where}.name"))
            rules = branch["rules"]
            if not rules.get("rules") and "variable" not in rules:
                later = '"otherwise"' if i == len(branches) - 1 else "every later branch"
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
