"""Reading the JSON bodies gateways send (inbound SMS, delivery reports, calls): one object, or a list of
them under one key, each field checked with an error that names the field and the item."""

from __future__ import annotations

import json
from typing import Any

from messaging.transports import BodyInvalid

MAX_ITEMS = 1000
MAX_ID_CHARS = 100  # Message.gateway_id


def load_items(body: bytes, *, list_key: str) -> list[tuple[str, dict]]:
    """The items of a body that is one object or {list_key: [objects]}, each with its place for errors
    ("" for a single object, "messages[3]." for the fourth of a list). Raises BodyInvalid."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise BodyInvalid("The body is not UTF-8 text.") from None
    except RecursionError:
        raise BodyInvalid("The JSON is nested too deeply.") from None
    except ValueError as exc:
        raise BodyInvalid(f"The body is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise BodyInvalid(f'The body must be a JSON object (one item, or {{"{list_key}": [...]}}).')
    if list_key not in data:
        return [("", data)]
    items = data[list_key]
    if not isinstance(items, list):
        raise BodyInvalid(f"{list_key}: must be a list.")
    if not items:
        raise BodyInvalid(f"{list_key}: the list is empty.")
    if len(items) > MAX_ITEMS:
        raise BodyInvalid(f"{list_key}: at most {MAX_ITEMS} items per request, not {len(items)}.")
    found = []
    for index, item in enumerate(items):
        place = f"{list_key}[{index}]."
        if not isinstance(item, dict):
            raise BodyInvalid(f"{list_key}[{index}]: must be an object.")
        found.append((place, item))
    return found


def text_field(item: dict, name: str, place: str, *, required: bool = True, allow_empty: bool = False) -> str:
    """A text field of an item (numbers are accepted for ids and read as text)."""
    value: Any = item.get(name)
    if value is None:
        if required:
            raise BodyInvalid(f"{place}{name}: missing.")
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BodyInvalid(f"{place}{name}: must be a text.")
    if not allow_empty and required and not value.strip():
        raise BodyInvalid(f"{place}{name}: empty.")
    return value


def id_field(item: dict, name: str, place: str) -> str:
    """A gateway's id: a non-empty text of at most MAX_ID_CHARS characters."""
    value = text_field(item, name, place).strip()
    if len(value) > MAX_ID_CHARS:
        raise BodyInvalid(f"{place}{name}: at most {MAX_ID_CHARS} characters.")
    return value
