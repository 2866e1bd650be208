"""Random split / A-B test: branches with percentages that add up to 100.

A participant's branch is a pure function of its seed (the person id) and the node id, so it is stable:
entering again, replaying or resuming never changes it. The seed goes through a Weyl sequence (the
golden ratio's fractional part), which spreads consecutive person ids evenly over [0, 1): a launch to
10,000 people lands within a fraction of a percentage point of each share, where a hash would be off by
about one point in one run out of twenty.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

BRANCH_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,64}")
GOLDEN = 0.6180339887498949


def unit(seed: int, node_id: str) -> float:
    """A number in [0, 1) fixed for (seed, node id); consecutive seeds are spread evenly."""
    salt = int.from_bytes(hashlib.sha256(node_id.encode()).digest()[:8], "big") / 2**64
    return (seed * GOLDEN + salt) % 1.0


@register
class RandomSplit(ElementType):
    type = "random_split"
    label = "Random split"
    category = "step"
    config_schema = {
        "type": "object",
        "required": ["branches"],
        "properties": {
            "branches": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "percent"],
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "percent": {"type": "number"},
                    },
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {
            "branches": [{"id": "a", "name": "A", "percent": 50}, {"id": "b", "name": "B", "percent": 50}]
        }

    def exits(self, config: dict) -> list[str]:
        return list(dict.fromkeys(b["id"] for b in config.get("branches", [])))

    def unwired_message(self, config: dict, exit_name: str) -> str:
        name = next((b["name"] for b in config.get("branches", []) if b["id"] == exit_name), exit_name)
        return f'Branch "{name.strip() or exit_name}" is not connected to a next step'

    def validate(self, node: Node) -> list[Issue]:
        issues: list[Issue] = []
        branches = node.config["branches"]
        if len(branches) < 2:
            issues.append(Issue("required", "Add at least two branches", node.id, "config.branches"))
        seen: set[str] = set()
        for i, branch in enumerate(branches):
            where = f"config.branches[{i}]"
            if not BRANCH_ID.fullmatch(branch["id"]):
                issues.append(
                    Issue(
                        "invalid_id",
                        f"Branch {i + 1} needs an id of letters, digits and _ . : = + / -",
                        node.id,
                        f"{where}.id",
                    )
                )
            elif branch["id"] in seen:
                issues.append(
                    Issue("duplicate", f'Two branches have the id "{branch["id"]}"', node.id, f"{where}.id")
                )
            seen.add(branch["id"])
            if not branch["name"].strip():
                issues.append(Issue("required", f"Name branch {i + 1}", node.id, f"{where}.name"))
            if not 0 < branch["percent"] <= 100:
                issues.append(
                    Issue(
                        "invalid",
                        f"Branch {i + 1} needs a share between 0 and 100 %",
                        node.id,
                        f"{where}.percent",
                    )
                )
        total = sum(b["percent"] for b in branches)
        if branches and abs(total - 100) > 1e-9:
            issues.append(
                Issue(
                    "invalid_total",
                    f"The shares add up to {total:g} %, not 100 %",
                    node.id,
                    "config.branches",
                )
            )
        return issues

    def enter(self, node: Node, ctx: Context) -> Step:
        branches = node.config["branches"]
        point = unit(ctx.seed, node.id) * sum(b["percent"] for b in branches)
        for branch in branches:
            point -= branch["percent"]
            if point < 0:
                return Step.follow(branch["id"])
        return Step.follow(branches[-1]["id"])
