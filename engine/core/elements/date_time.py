"""Date or Time: a person enters at a moment set by a date or date-time attribute of theirs, in their
timezone:

    {"attribute": "appointmentAt", "operator": "is_in", "offset": {"amount": 4, "unit": "hours"}}

`is_in` N before the moment, `was` N after it, `is_today` at the start of its day, `is_tomorrow` at the
start of the day before, `was_yesterday` at the start of the day after. A DATE attribute's moment is the
start of that day in the person's timezone. A changed attribute moves the entry with it (the sweep in
engine/triggers.py reads the attribute as it is when the moment comes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core import timing
from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

OPERATORS = {
    "is_in": "is in",
    "was": "was",
    "is_today": "is today",
    "is_tomorrow": "is tomorrow",
    "was_yesterday": "was yesterday",
}
WITH_OFFSET = ("is_in", "was")
UNITS = ("minutes", "hours", "days", "weeks")


@register
class DateTime(EntryPoint):
    type = "date_time"
    label = "Date or Time"
    config_schema = {
        "type": "object",
        "properties": {
            "attribute": {"type": "string"},
            "operator": {"enum": list(OPERATORS)},
            "offset": {
                "type": "object",
                "required": ["amount", "unit"],
                "properties": {"amount": {"type": "integer"}, "unit": {"enum": list(UNITS)}},
                "additionalProperties": False,
            },
        },
        "required": ["attribute", "operator"],
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"attribute": "", "operator": "is_today"}

    def validate(self, node: Node) -> list[Issue]:
        issues = []
        if not node.config["attribute"].strip():
            issues.append(
                Issue("required", "Choose a date or date-time attribute", node.id, "config.attribute")
            )
        if node.config["operator"] in WITH_OFFSET:
            problem = timing.duration_problem(
                node.config.get("offset"), what="time before or after", allow_zero=True
            )
            if problem:
                issues.append(Issue("invalid_offset", problem, node.id, "config.offset"))
        return issues


def as_condition(config: dict) -> dict:
    """The people rule condition that becomes true at the moment this entry fires (the sweep enters whoever
    it became true for): is in N = "will be within N" (true from N before the moment), was N = "was more
    than N" in minutes or hours, "was N" in days or weeks (true from the start of the Nth day after),
    is today, is tomorrow = "will be in 1 day", was yesterday = "was 1 day"."""
    attribute, operator = config["attribute"], config["operator"]
    if operator == "is_today":
        return {"attribute": attribute, "operator": "is_today"}
    if operator in ("is_tomorrow", "was_yesterday"):
        name = "will_be_in" if operator == "is_tomorrow" else "was"
        return {"attribute": attribute, "operator": name, "value": {"amount": 1, "unit": "days"}}
    amount = config["offset"]
    if operator == "is_in":
        return {"attribute": attribute, "operator": "will_be_within", "value": amount}
    name = "was_more_than" if amount["unit"] in ("minutes", "hours") else "was"
    return {"attribute": attribute, "operator": name, "value": amount}
