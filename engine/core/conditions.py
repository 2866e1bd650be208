"""Conditions of a Condition split: people rule documents (docs/segments.md) with flow-variable leaves.

A rule document here is the segments' one, where a leaf may also be {"variable": name, "operator": op,
"value": v}. Variable leaves are evaluated here; every subtree without one goes to
`assets.person_matches` in one piece (the Django side compiles it to one SQL query with the operator
registry of people/conditions, so segments, audiences and splits agree on what a rule means).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from engine.core import variables as flow_variables
from engine.core.elements import Assets

# The seed's operator names, per variable type (a subset of the people operators that makes sense for a
# value held by the flow itself).
VARIABLE_OPERATORS: dict[str, tuple[str, ...]] = {
    "text": (
        "is",
        "is_not",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "is_empty",
        "is_not_empty",
    ),
    "number": ("is", "is_not", "lt", "lte", "gte", "gt", "is_empty", "is_not_empty"),
    "boolean": ("is", "is_not", "is_empty"),
    "date": ("is", "is_not", "before", "after", "is_empty", "is_not_empty"),
    "datetime": ("before", "after", "is_empty", "is_not_empty"),
    "list": ("contains", "not_contains", "is_empty", "is_not_empty"),
}
NO_VALUE = {"is_empty", "is_not_empty"}


def has_variables(rules: Any) -> bool:
    """Whether a rule document has a variable leaf anywhere."""
    if isinstance(rules, dict):
        if "variable" in rules:
            return True
        return any(has_variables(r) for r in rules.get("rules", []))
    return False


def as_document(rules: dict) -> dict:
    """A rule document with a group at its root, as people/conditions takes it (a lone condition of a
    mixed group is wrapped in an "and")."""
    return rules if "op" in rules else {"op": "and", "rules": [rules]}


def person_parts(rules: Any) -> list[dict]:
    """The largest variable-free subtrees, each a rule document (what the Django side validates)."""
    if not isinstance(rules, dict) or "variable" in rules:
        return []
    if not has_variables(rules):
        return [as_document(rules)]
    return [part for r in rules.get("rules", []) for part in person_parts(r)]


def variable_issues(rules: Any, declared: dict[str, str], *, path: str) -> list[tuple[str, str]]:
    """(field, message) of every problem with the variable leaves of a rule document."""
    problems: list[tuple[str, str]] = []
    if not isinstance(rules, dict):
        return problems
    if "variable" in rules:
        name, operator = rules.get("variable"), rules.get("operator")
        type_name = declared.get(name) if isinstance(name, str) else None
        if type_name is None:
            problems.append(
                (f"{path}.variable", f'"{name}" is not a variable of this flow; declare it first')
            )
            return problems
        if operator not in VARIABLE_OPERATORS[type_name]:
            allowed = ", ".join(VARIABLE_OPERATORS[type_name])
            problems.append((f"{path}.operator", f"Use one of {allowed} for the {type_name} variable {name}"))
            return problems
        if operator not in NO_VALUE:
            try:
                flow_variables.coerce(rules.get("value"), "text" if type_name == "list" else type_name)
            except flow_variables.VariableValueError as exc:
                problems.append((f"{path}.value", f"The value for {name}: {exc}"))
            if rules.get("value") is None:
                problems.append((f"{path}.value", f"Give a value to compare {name} with"))
        return problems
    for i, rule in enumerate(rules.get("rules", [])):
        problems += variable_issues(rule, declared, path=f"{path}.rules[{i}]")
    return problems


def matches(rules: dict, *, variables: dict, declared: dict[str, str], assets: Assets) -> bool:
    """Whether the participant matches `rules` now. An empty "and" matches, an empty "or" does not."""
    if not has_variables(rules):
        return assets.person_matches(as_document(rules))
    if "variable" in rules:
        return _variable_matches(rules, variables, declared)
    parts = (
        matches(r, variables=variables, declared=declared, assets=assets) for r in rules.get("rules", [])
    )
    return any(parts) if rules.get("op") == "or" else all(parts)


def _variable_matches(leaf: dict, variables: dict, declared: dict[str, str]) -> bool:
    type_name = declared.get(leaf["variable"], "text")
    value = variables.get(leaf["variable"])
    operator = leaf["operator"]
    empty = value is None or value == "" or value == []
    if operator == "is_empty":
        return empty
    if operator == "is_not_empty":
        return not empty
    try:
        value = flow_variables.coerce(value, type_name)
        wanted = flow_variables.coerce(leaf.get("value"), "text" if type_name == "list" else type_name)
    except flow_variables.VariableValueError:
        return operator in {"is_not", "not_contains"}
    if value is None:
        return operator in {"is_not", "not_contains"}
    if type_name == "text":
        text, part = value.casefold(), wanted.casefold()
        return {
            "is": text == part,
            "is_not": text != part,
            "contains": part in text,
            "not_contains": part not in text,
            "starts_with": text.startswith(part),
            "ends_with": text.endswith(part),
        }[operator]
    if type_name == "list":
        items = {item.casefold() for item in value}
        return (wanted.casefold() in items) == (operator == "contains")
    if type_name in ("date", "datetime"):
        parse = date.fromisoformat if type_name == "date" else datetime.fromisoformat
        left, right = parse(value), parse(wanted)
        return {
            "is": left == right,
            "is_not": left != right,
            "before": left < right,
            "after": left > right,
        }[operator]
    return {
        "is": value == wanted,
        "is_not": value != wanted,
        "lt": value < wanted,
        "lte": value <= wanted,
        "gte": value >= wanted,
        "gt": value > wanted,
    }[operator]
