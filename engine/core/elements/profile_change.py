"""Change in People profile: a person enters when a change to their profile makes the condition become
true (not on every later change while it stays true). The condition is a people rule document
(docs/segments.md) over person attributes only, standard and custom, List attributes included; a value
may be a flow variable, {"variable": "name"}, read from the variable's default. Relative date operators
("birthDate is today") also fire on time: on that day in the person's timezone (engine/triggers.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.core.elements import register
from engine.core.elements.entry import EntryPoint
from engine.core.issues import Issue

if TYPE_CHECKING:
    from engine.core.definition import Node

MAX_CONDITIONS = 50


@register
class ProfileChange(EntryPoint):
    type = "profile_change"
    label = "Change in People profile"
    config_schema = {
        "type": "object",
        "properties": {"rules": {"type": "object"}},
        "required": ["rules"],
        "additionalProperties": False,
    }

    def defaults(self) -> dict:
        return {"rules": {"op": "and", "rules": []}}

    def validate(self, node: Node) -> list[Issue]:
        found = list(conditions(node.config["rules"]))
        if not found:
            return [Issue("required", "Add a condition on a person attribute", node.id, "config.rules")]
        if len(found) > MAX_CONDITIONS:
            message = f"At most {MAX_CONDITIONS} conditions in one trigger"
            return [Issue("too_many", message, node.id, "config.rules")]
        return [
            Issue("invalid_condition", "Only person attributes can start this trigger", node.id, path)
            for path, condition in found
            if not isinstance(condition.get("attribute"), str)
        ]


def conditions(doc: Any, path: str = "config.rules") -> Iterator[tuple[str, dict]]:
    """(path, condition) of every condition in a rule document, nested groups included."""
    if not isinstance(doc, dict):
        return
    if "op" in doc:
        for i, child in enumerate(doc.get("rules") or []):
            yield from conditions(child, f"{path}.rules[{i}]")
    else:
        yield path, doc


def variable_names(doc: Any) -> set[str]:
    """The flow variables a rule document's values name ({"value": {"variable": "x"}})."""
    names = set()
    for _, condition in conditions(doc):
        value = condition.get("value")
        if isinstance(value, dict) and isinstance(value.get("variable"), str):
            names.add(value["variable"])
    return names


def with_variables(doc: Any, values: dict) -> Any:
    """The rule document with each {"variable": name} value replaced by `values[name]` (None if unset)."""
    if not isinstance(doc, dict):
        return doc
    if "op" in doc:
        return {**doc, "rules": [with_variables(child, values) for child in doc.get("rules") or []]}
    value = doc.get("value")
    if isinstance(value, dict) and isinstance(value.get("variable"), str):
        return {**doc, "value": values.get(value["variable"])}
    return doc
