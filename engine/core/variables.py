"""Flow variables: declared per flow with a type, set by entry points, forms and Call URL, read by texts
(`{{ variables.city }}`), conditions and calls.

A declaration is {"name": "city", "type": "text"}. Values are stored as JSON: text -> str, number ->
int/float, boolean -> bool, date -> "YYYY-MM-DD", datetime -> ISO 8601 with offset, list -> [str].
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

TYPES = ("text", "number", "boolean", "date", "datetime", "list")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
NAME_RULE = "A variable name starts with a letter or _ and has only letters, digits and _ (at most 64)"
MAX_TEXT = 10_000
MAX_LIST = 1_000

DECLARATIONS_SCHEMA: dict = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "type"],
        "properties": {"name": {"type": "string"}, "type": {"enum": list(TYPES)}, "default": {}},
        "additionalProperties": False,
    },
}
# Form result types (engine/core/widgets.py) each variable type can hold.
FORM_RESULTS: dict[str, set[str]] = {
    "text": {"unicode_result", "long_result", "float_result", "location_result", "file_result"},
    "number": {"long_result", "float_result"},
    "boolean": set(),
    "date": {"long_result"},
    "datetime": {"long_result"},
    "list": {"unicode_list_result"},
}


class VariableValueError(ValueError):
    """A value that a variable of that type cannot hold; the message says why."""


def coerce(value: Any, type_name: str) -> Any:
    """`value` as the JSON a variable of `type_name` holds; None stays None (empty).

    Lenient where a person or a web service would be: "42" is a number, "yes" a boolean, a scalar a
    one-item list. VariableValueError otherwise.
    """
    if value is None:
        return None
    if type_name == "text":
        if isinstance(value, dict | list):
            raise VariableValueError("a text variable cannot hold an object or a list")
        text = value if isinstance(value, str) else _scalar_text(value)
        if len(text) > MAX_TEXT:
            raise VariableValueError(f"the text is longer than {MAX_TEXT} characters")
        return text
    if type_name == "number":
        if isinstance(value, bool):
            raise VariableValueError("true/false is not a number")
        if isinstance(value, int | float):
            return value
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise VariableValueError(f"{value[:50]!r} is not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise VariableValueError(f"{value[:50]!r} is not a number")
            return int(number) if number.is_integer() and "." not in value else number
        raise VariableValueError("not a number")
    if type_name == "boolean":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in {"true", "yes", "1", "on"}:
            return True
        if word in {"false", "no", "0", "off"}:
            return False
        raise VariableValueError(f"{str(value)[:50]!r} is not true or false")
    if type_name == "date":
        try:
            return date.fromisoformat(str(value)[:10]).isoformat()
        except ValueError:
            raise VariableValueError(f"{str(value)[:50]!r} is not a date (YYYY-MM-DD)") from None
    if type_name == "datetime":
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise VariableValueError(f"{str(value)[:50]!r} is not a date and time") from None
        if moment.tzinfo is None:
            raise VariableValueError(f"{str(value)[:50]!r} has no timezone offset")
        return moment.isoformat()
    if type_name == "list":
        items = value if isinstance(value, list) else [value]
        if len(items) > MAX_LIST:
            raise VariableValueError(f"the list has more than {MAX_LIST} items")
        return [coerce(item, "text") for item in items]
    raise VariableValueError(f"unknown variable type {type_name!r}")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def declaration_issues(declarations: list[dict]) -> list[tuple[str, str, str]]:
    """(code, message, field) of every problem in a flow's variable declarations."""
    problems: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for i, declared in enumerate(declarations):
        name = declared["name"]
        if not NAME.fullmatch(name):
            problems.append(("invalid_name", NAME_RULE, f"variables[{i}].name"))
        elif name in seen:
            problems.append(("duplicate", f'The variable "{name}" is declared twice', f"variables[{i}].name"))
        seen.add(name)
        if declared.get("default") is not None:
            try:
                coerce(declared["default"], declared["type"])
            except VariableValueError as exc:
                problems.append(
                    ("invalid_default", f"The default of {name}: {exc}", f"variables[{i}].default")
                )
    return problems


def defaults(declarations: list[dict]) -> dict[str, Any]:
    """The values a participant starts with: each declared default, as its type holds it."""
    values: dict[str, Any] = {}
    for declared in declarations:
        if declared.get("default") is not None:
            try:
                values[declared["name"]] = coerce(declared["default"], declared["type"])
            except VariableValueError:
                continue  # validate() reports it; a published flow never gets here
    return values


SAVE_SCHEMA: dict = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["property", "variable"],
        "properties": {"property": {"type": "string"}, "variable": {"type": "string"}},
        "additionalProperties": False,
    },
}


def save_problems(save: list[dict]) -> list[tuple[str, str, str]]:
    """(code, message, field under config) of every problem in event-property-to-variable mappings
    (a Wait for an event, a People real-time event entry)."""
    problems: list[tuple[str, str, str]] = []
    for i, saved in enumerate(save):
        if not saved["property"].strip():
            problems.append(("required", f"Mapping {i + 1} needs the event property", f"save[{i}].property"))
        if not NAME.fullmatch(saved["variable"]):
            problems.append(("invalid_name", NAME_RULE, f"save[{i}].variable"))
    return problems


def from_properties(save: list[dict], properties: dict, declared: dict[str, str]) -> dict[str, Any]:
    """Flow variables set from an event's properties by the mappings `save` ([{"property", "variable"}]),
    each value as its declared type holds it (a list property into a list variable stays a list); a value
    the variable cannot hold, or a property the event lacks, leaves the variable as it was."""
    values: dict[str, Any] = {}
    for saved in save:
        if saved["property"] not in properties:
            continue
        value = properties[saved["property"]]
        type_name = declared.get(saved["variable"])
        if type_name:
            try:
                value = coerce(value, type_name)
            except VariableValueError:
                continue
        values[saved["variable"]] = value
    return values
