"""Random split / A-B test: branches with percentages that add up to 100.

A participant's branch is a pure function of its seed (the person id) and the node id, so it is stable:
entering again, replaying or resuming never changes it. The seed goes through a Weyl sequence (the
golden ratio's fractional part), which spreads consecutive person ids evenly over [0, 1): a launch to
10,000 people lands within a fraction of a percentage point of each share, where a hash would be off by
about one point in one run out of twenty.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from engine.core import branches
from engine.core.elements import Context, ElementType, Step, register
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

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
    config_schema = branches.schema(percent={"type": "number"})

    def defaults(self) -> dict:
        return {
            "branches": [{"id": "a", "name": "A", "percent": 50}, {"id": "b", "name": "B", "percent": 50}]
        }

    def exits(self, config: dict) -> list[str]:
        return branches.exits(config)

    def unwired_message(self, config: dict, exit_name: str) -> str:
        return branches.unwired(config, exit_name)

    def validate(self, node: Node) -> list[Issue]:
        issues = branches.issues(node, at_least=2)
        splits = node.config["branches"]
        for i, branch in enumerate(splits):
            if not 0 < branch["percent"] <= 100:
                message = f"Branch {i + 1} needs a share between 0 and 100 %"
                issues.append(Issue("invalid", message, node.id, f"config.branches[{i}].percent"))
        total = sum(b["percent"] for b in splits)
        if splits and abs(total - 100) > 1e-9:
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
        splits = node.config["branches"]
        point = unit(ctx.seed, node.id) * sum(b["percent"] for b in splits)
        for branch in splits:
            point -= branch["percent"]
            if point < 0:
                return Step.follow(branch["id"])
        return Step.follow(splits[-1]["id"])
