"""Durations, local times and send windows: the time arithmetic of waits, reply timeouts and quiet hours.

Pure Python (zoneinfo); a person's timezone comes in their snapshot, falling back to UTC when it is empty
or unknown, so a typo in someone's profile never stops a flow.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS: dict[str, timedelta] = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
}
# Longest wait or timeout a flow may ask for: ten years.
MAX_DURATION = timedelta(days=3653)

DURATION_SCHEMA: dict = {
    "type": "object",
    "required": ["amount", "unit"],
    "properties": {"amount": {"type": "integer"}, "unit": {"enum": list(UNITS)}},
    "additionalProperties": False,
}
# A signed offset (before/after a date): same shape, negative amounts allowed.
OFFSET_SCHEMA = DURATION_SCHEMA
LOCAL_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


def duration(value: dict) -> timedelta:
    """{"amount": 2, "unit": "days"} -> timedelta(days=2)."""
    return value["amount"] * UNITS[value["unit"]]


def duration_problem(value: dict | None, *, what: str, allow_zero: bool = False) -> str | None:
    """Why a duration cannot be used (for a validation issue), or None."""
    if value is None:
        return f"Set the {what}"
    amount = value["amount"]
    if amount < 0 or (amount == 0 and not allow_zero):
        return f"The {what} must be more than zero"
    if duration(value) > MAX_DURATION:
        return f"The {what} is longer than ten years"
    return None


def person_zone(person: dict) -> tzinfo:
    """The person's timezone from their snapshot; UTC when empty or unknown."""
    name = person.get("timezone") or ""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_local_time(value: str) -> time | None:
    """ "09:30" -> time(9, 30); None when it is not HH:MM."""
    match = LOCAL_TIME.fullmatch(value or "")
    return time(int(match[1]), int(match[2])) if match else None


def parse_moment(value: str, zone: tzinfo) -> datetime | None:
    """An ISO date-time; without an offset it is read in `zone`. A bare date means its midnight.
    None when it cannot be read."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def at_local(day: date, at: time, zone: tzinfo) -> datetime:
    """The aware moment of `day` at local time `at` in `zone` (a time skipped by DST moves forward)."""
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=zone)
    # zoneinfo maps a non-existent local time with fold=0 to the offset before the gap; a round trip
    # through UTC lands on the first real moment after it.
    return moment.astimezone(UTC).astimezone(zone)


def window_opening(now: datetime, window: dict | None, zone: tzinfo) -> datetime | None:
    """When a message due at `now` may be sent under the send window {"start": "HH:MM", "end": "HH:MM"}
    read in `zone`: None when `now` is inside it (send now), else the next opening. A window whose end
    comes before its start runs over midnight (e.g. 20:00-08:00); equal ends mean no restriction."""
    if not window:
        return None
    start, end = parse_local_time(window.get("start", "")), parse_local_time(window.get("end", ""))
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if inside:
        return None
    day = local.date()
    if clock >= start and start < end:
        day += timedelta(days=1)
    return at_local(day, start, zone)
