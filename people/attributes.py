"""Attribute types: the standard attributes of a person, and parsing values by data type.

Both the API (writing values) and the conditions module (values in rules) parse through
`parse_value`, so "what is a valid NUMBER" is answered in one place.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime

from people.models import AttributeDefinition

DataType = AttributeDefinition.DataType
NumberKind = AttributeDefinition.NumberKind

MAX_TEXT = 1000
MAX_LIST_ITEMS = 100
MAX_LIST_ITEM = 255
NUMBER_PLACES = 6  # AttributeValue.value_number's decimal_places
MAX_WHOLE_DIGITS = 14  # 20 digits in all, 6 after the point


@dataclass(frozen=True)
class StandardAttribute:
    """A column of Person that rules can test like a custom attribute."""

    key: str
    label: str
    data_type: str
    # birth_date's relative operators compare the yearly anniversary ("BirthDate is today" greets
    # people on their birthday, as in the seed's example), not the date itself.
    anniversary: bool = False
    # Columns that may hold "" as well as NULL; both count as empty.
    blank_is_empty: bool = True


STANDARD_ATTRIBUTES: dict[str, StandardAttribute] = {
    a.key: a
    for a in [
        StandardAttribute("first_name", "First name", DataType.TEXT),
        StandardAttribute("last_name", "Last name", DataType.TEXT),
        StandardAttribute("email", "Email", DataType.TEXT),
        StandardAttribute("phone", "Phone", DataType.TEXT),
        StandardAttribute("external_id", "External id", DataType.TEXT),
        StandardAttribute("language", "Language", DataType.TEXT),
        StandardAttribute("timezone", "Timezone", DataType.TEXT),
        StandardAttribute("opt_in", "Opt-in", DataType.BOOLEAN, blank_is_empty=False),
        StandardAttribute("birth_date", "Birth date", DataType.DATE, anniversary=True, blank_is_empty=False),
        StandardAttribute("created_at", "Created", DataType.DATETIME, blank_is_empty=False),
        StandardAttribute("updated_at", "Updated", DataType.DATETIME, blank_is_empty=False),
    ]
}
# Custom keys may not shadow these (nor the other condition subjects).
RESERVED_KEYS = set(STANDARD_ATTRIBUTES) | {"id", "company", "tags", "tag", "segment", "attributes", "user"}


class AttributeValueError(ValueError):
    """A value that does not fit its attribute's type; the message is shown to the user."""


# --- standard attribute normalisation ---------------------------------------------------------


def normalise_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value or None


def normalise_phone(value: str | None, *, region: str | None = None) -> str | None:
    """The number in E.164 (+32470123456); numbers without + are read in PEOPLE_DEFAULT_REGION."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region or settings.PEOPLE_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise AttributeValueError("Enter a valid phone number, e.g. +32470123456.") from exc
    if not phonenumbers.is_valid_number(number):
        raise AttributeValueError("Enter a valid phone number, e.g. +32470123456.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_timezone(value: str) -> str:
    """An IANA timezone name such as Europe/Brussels."""
    value = (value or "").strip()
    if not value or value not in _timezone_names():
        raise AttributeValueError(f"{value!r} is not a known IANA timezone, e.g. Europe/Brussels.")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AttributeValueError(f"{value!r} is not a known IANA timezone, e.g. Europe/Brussels.") from exc
    return value


_TZ_NAMES: set[str] = set()


def _timezone_names() -> set[str]:
    # available_timezones() walks the tz database on disk; once per process is enough.
    if not _TZ_NAMES:
        _TZ_NAMES.update(available_timezones())
    return _TZ_NAMES


def zone(name: str) -> ZoneInfo:
    """The ZoneInfo of a stored name; a name the system no longer knows falls back to UTC."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# --- typed values -----------------------------------------------------------------------------


def parse_value(data_type: str, raw: Any, *, number_kind: str = "") -> Any:
    """The Python value of `raw` for an attribute of `data_type`; raises AttributeValueError.

    BOOLEAN: true/false. TEXT: a string. NUMBER: a number or numeric string (whole: no fraction).
    DATE: "YYYY-MM-DD". DATETIME: ISO 8601 with an offset, returned in UTC. LIST: a list of strings.
    """
    if data_type == DataType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        raise AttributeValueError("Must be true or false.")
    if data_type == DataType.TEXT:
        if not isinstance(raw, str):
            raise AttributeValueError("Must be a string.")
        if len(raw) > MAX_TEXT:
            raise AttributeValueError(f"At most {MAX_TEXT} characters.")
        return raw
    if data_type == DataType.NUMBER:
        return _parse_number(raw, number_kind)
    if data_type == DataType.DATE:
        if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
            try:
                parsed = parse_date(raw.strip())
            except ValueError:
                parsed = None
            if parsed:
                return parsed
        raise AttributeValueError("Must be a date as YYYY-MM-DD.")
    if data_type == DataType.DATETIME:
        parsed = None
        if isinstance(raw, str):
            try:
                parsed = parse_datetime(raw.strip())
            except ValueError:
                parsed = None
        if parsed is None:
            raise AttributeValueError("Must be a date and time in ISO 8601, e.g. 2025-03-01T09:30:00+01:00.")
        if parsed.tzinfo is None:
            raise AttributeValueError("Must include a timezone offset (Z or +01:00).")
        return parsed.astimezone(dt.UTC)
    if data_type == DataType.LIST:
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise AttributeValueError("Must be a list of strings.")
        items = [item.strip() for item in raw if item.strip()]
        if len(items) > MAX_LIST_ITEMS:
            raise AttributeValueError(f"At most {MAX_LIST_ITEMS} items.")
        if any(len(item) > MAX_LIST_ITEM for item in items):
            raise AttributeValueError(f"Each item has at most {MAX_LIST_ITEM} characters.")
        seen: set[str] = set()
        unique = []
        for item in items:  # items differing only in case are one item ("contains" ignores case)
            if item.lower() not in seen:
                seen.add(item.lower())
                unique.append(item)
        return unique
    raise AttributeValueError(f"Unknown data type {data_type!r}.")


def _parse_number(raw: Any, number_kind: str) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise AttributeValueError("Must be a number.")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise AttributeValueError("Must be a number.") from exc
    if not number.is_finite():
        raise AttributeValueError("Must be a finite number.")
    if number_kind == NumberKind.WHOLE and number != number.to_integral_value():
        raise AttributeValueError("Must be a whole number.")
    if number != number.quantize(Decimal(1).scaleb(-NUMBER_PLACES)):
        raise AttributeValueError(f"At most {NUMBER_PLACES} digits after the decimal point.")
    if abs(number) >= Decimal(10) ** MAX_WHOLE_DIGITS:
        raise AttributeValueError(f"At most {MAX_WHOLE_DIGITS} digits before the decimal point.")
    return number


def is_empty_value(raw: Any) -> bool:
    """None, "" and [] clear an attribute."""
    return raw is None or raw == "" or raw == []


def to_json(data_type: str, value: Any, *, number_kind: str = "") -> Any:
    """A stored value as the API shows it: whole numbers as integers, decimals as strings (like
    DRF's DecimalField, so no precision is lost), dates ISO, datetimes ISO in UTC with Z."""
    if value is None:
        return None
    if data_type == DataType.NUMBER:
        if number_kind == NumberKind.WHOLE:
            return int(value)
        text = format(Decimal(value).normalize(), "f")
        return text
    if data_type == DataType.DATE:
        return value.isoformat()
    if data_type == DataType.DATETIME:
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


VALUE_COLUMN = {
    DataType.BOOLEAN: "value_bool",
    DataType.TEXT: "value_text",
    DataType.NUMBER: "value_number",
    DataType.DATE: "value_date",
    DataType.DATETIME: "value_datetime",
    DataType.LIST: "value_list",
}
