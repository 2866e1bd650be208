"""What the split elements share: a list of named branches, each an exit of the node."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

BRANCH_ID = re.compile(r"[A-Za-z0-9_.:=+/-]{1,64}")
MAX_BRANCHES = 20


def schema(**properties: dict) -> dict:
    """The config schema of a split: {"branches": [{"id", "name", **properties}]}, all required."""
    return {
        "type": "object",
        "required": ["branches"],
        "properties": {
            "branches": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", *properties],
                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, **properties},
                    "additionalProperties": False,
                },
            }
        },
        "additionalProperties": False,
    }


def exits(config: dict) -> list[str]:
    """The branch ids in order, a repeated id once."""
    return list(dict.fromkeys(b["id"] for b in config.get("branches", [])))


def unwired(config: dict, exit_name: str) -> str:
    name = next((b["name"] for b in config.get("branches", []) if b["id"] == exit_name), exit_name)
    return f'Branch "{name.strip() or exit_name}" is not connected to a next step'


def issues(node: Node, *, at_least: int, reserved: str | None = None) -> list[Issue]:
    """How many branches, and each branch's id (valid, unique, not `reserved`) and name."""
    found: list[Issue] = []
    branches = node.config["branches"]
    if len(branches) < at_least:
        wanted = "one branch" if at_least == 1 else f"{at_least} branches"
        found.append(Issue("required", f"Add at least {wanted}", node.id, "config.branches"))
    if len(branches) > MAX_BRANCHES:
        message = f"A split has at most {MAX_BRANCHES} branches"
        found.append(Issue("too_many", message, node.id, "config.branches"))
    seen: set[str] = set()
    for i, branch in enumerate(branches):
        where = f"config.branches[{i}]"
        if not BRANCH_ID.fullmatch(branch["id"]) or branch["id"] == reserved:
            other = f' other than "{reserved}"' if reserved else ""
            message = f"Branch {i + 1} needs an id of letters, digits and _ . : = + / -{other}"
            found.append(Issue("invalid_id", message, node.id, f"{where}.id"))
        elif branch["id"] in seen:
            found.append(
                Issue("duplicate", f'Two branches have the id "{branch["id"]}"', node.id, f"{where}.id")
            )
        seen.add(branch["id"])
        if not branch["name"].strip():
            found.append(Issue("required", f"Name branch {i + 1}", node.id, f"{where}.name"))
    return found
