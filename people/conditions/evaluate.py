"""Deciding a rule document for one person in Python, without the database.

    rule_matches(doc, snapshot, now=now) -> bool

answers what `Person.objects.filter(compile_rules(doc, now=now))` answers for the person `snapshot`
describes (people.selectors.person_snapshots), so a trigger can ask "does this change make the
condition true?" of the values before and after a change, which the database no longer holds.

The SQL compiler is the reference and this module follows it, reading the same declarations: the
operator registry (negations, lookups, relative windows), the targets (which key, what counts as
empty, the day window in the person's timezone, birthdays) and the parser (the same validation and
the same parsed values). tests/people/test_evaluate.py checks that both agree for every operator.

Conditions only the database can decide (segment membership, events, a company by id: a snapshot
names the company) raise NotEvaluable; callers then ask the database (people.selectors.person_matches).
"""

import datetime as dt
import operator as op
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

from people.attributes import STANDARD_ATTRIBUTES, is_empty_value, zone
from people.conditions.compiler import Condition, Group, Node, attribute_references, parse_rules
from people.conditions.events import event_references
from people.conditions.folding import python_fold
from people.conditions.operators import (
    OPERATORS,
    RELATIVE_OPERATORS,
    TODAY,
    Duration,
    Operator,
    Window,
    lookup_for,
)
from people.conditions.targets import AttributeTarget, TagTarget
from people.models import AttributeDefinition

__all__ = ["RELATIVE_OPERATORS", "NotEvaluable", "rule_matches"]

DT = AttributeDefinition.DataType
Snapshot = Mapping[str, Any]
# A compiled rule: (snapshot, now) -> whether the person matches.
Test = Callable[[Snapshot, dt.datetime], bool]
# (key, id, data type) of the custom attribute definitions a document uses: all parsing needs of them.
Signature = tuple[tuple[str, int, str], ...]


class NotEvaluable(Exception):  # noqa: N818 (it is not an error: the caller falls back to SQL)
    """The document has a condition only the database can decide (a segment, an event, a company by
    id); decide it with people.selectors.person_matches instead."""


def rule_matches(
    doc: Any,
    snapshot: Snapshot,
    *,
    now: dt.datetime,
    definitions: Mapping[str, AttributeDefinition] | None = None,
) -> bool:
    """Whether the person `snapshot` describes matches the rule document `doc` at `now` (aware).

    `snapshot`: as people.selectors.person_snapshots returns it (JSON values by attribute key,
    "tag_ids", "timezone"). `definitions`: the custom attribute definitions by key, when the caller
    has them loaded (several decisions in a row); else the ones the document uses are read here, in
    one query (none when it uses no custom attribute).
    Raises RulesInvalid for an invalid document, NotEvaluable when only the database can decide it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    plan = _plan(doc, definitions)
    if plan.test is None:
        raise NotEvaluable(plan.reason)
    return plan.test(snapshot, now)


@dataclass(frozen=True)
class _Plan:
    """A document compiled to a test (or why it cannot be), and the definitions it was compiled with."""

    test: Test | None
    reason: str
    uses: Signature


# Parsing and validating cost far more than deciding, and triggers ask the same few documents again
# and again: compiled documents are kept by their text (repr: exact for JSON values, and cheap).
_PLANS: dict[str, _Plan] = {}
MAX_PLANS = 512


def _plan(doc: Any, definitions: Mapping[str, AttributeDefinition] | None) -> _Plan:
    key = repr(doc)
    plan = _PLANS.get(key)
    # A cached plan holds as long as the definitions it used are the same (a key deleted and created
    # again with another type is another definition).
    keys = [k for k, _, _ in plan.uses] if plan is not None else _custom_keys(doc)
    current = _signature(keys, definitions)
    if plan is not None and plan.uses == current:
        return plan
    plan = _compile(doc, current)
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.pop(next(iter(_PLANS), ""), None)  # the oldest
    _PLANS[key] = plan
    return plan


def _custom_keys(doc: Any) -> list[str]:
    return sorted(key for key in attribute_references(doc) if key not in STANDARD_ATTRIBUTES)


def _signature(keys: list[str], definitions: Mapping[str, AttributeDefinition] | None) -> Signature:
    """(key, id, data type) of the definitions of `keys` that exist, by key."""
    if not keys:
        return ()
    if definitions is None:
        rows = AttributeDefinition.objects.filter(key__in=keys).values_list("key", "pk", "data_type")
        return tuple(sorted(rows))
    found = (definitions.get(key) for key in keys)
    return tuple(sorted((d.key, d.pk, d.data_type) for d in found if d is not None))


def _compile(doc: Any, uses: Signature) -> _Plan:
    """The compiled test of a document, or why only the database can decide it."""
    events = event_references(doc)
    if events:  # checked before parsing, which would read the event definitions
        return _Plan(None, f"Event conditions ({', '.join(sorted(events))}) need the database.", uses)
    definitions = {
        key: AttributeDefinition(pk=pk, key=key, data_type=data_type) for key, pk, data_type in uses
    }
    tree = parse_rules(doc, check_refs=False, definitions=definitions)
    try:
        return _Plan(_test(tree), "", uses)
    except NotEvaluable as exc:
        return _Plan(None, str(exc), uses)


def _test(node: Node) -> Test:
    if isinstance(node, Group):
        parts = tuple(_test(child) for child in node.rules)
        if node.op == "or":
            return lambda snapshot, now: any(part(snapshot, now) for part in parts)
        return lambda snapshot, now: all(part(snapshot, now) for part in parts)
    return _condition(node.operator, node)


def _condition(operator: Operator, condition: Condition) -> Test:
    if operator.negates:
        positive = _condition(OPERATORS[operator.negates], condition)
        return lambda snapshot, now: not positive(snapshot, now)
    target = condition.target
    if isinstance(target, TagTarget):
        return lambda snapshot, now: target.tag_id in (snapshot.get("tag_ids") or ())
    if not isinstance(target, AttributeTarget):
        raise NotEvaluable(f"{target.data_type.capitalize()} conditions need the database.")
    read = _reader(target)
    value = condition.value
    if operator.lookup:
        compare = LOOKUPS[lookup_for(operator.lookup, target.data_type)]
        return lambda snapshot, now: _holds(compare, read(snapshot), value)
    if operator.window:
        return _window_test(operator.window, target, read, value or TODAY)
    if operator.name == "is_empty":
        return lambda snapshot, now: read(snapshot) is None
    if operator.name == "contains":
        if target.data_type == DT.LIST:  # an item, ignoring case (AttributeListItem holds them lower-cased)
            item = value.strip().lower()
            return lambda snapshot, now: any(i.strip().lower() == item for i in read(snapshot) or ())
        return lambda snapshot, now: _holds(LOOKUPS["icontains"], read(snapshot), value)
    # Every operator of the registry is handled above (tests/people/test_evaluate.py asks each one): only
    # a newly registered operator without its Python twin gets here.
    raise TypeError(f"No Python evaluation of the operator {operator.name!r}; add it beside the others.")


def _holds(compare: Callable[[Any, Any], bool], value: Any, wanted: Any) -> bool:
    # As in SQL, no value compares false with anything (its negation, by `negates`, is then true).
    return value is not None and compare(value, wanted)


@cache
def _folder() -> Callable[[str], str]:
    # The fold the database's SQL applies (people.conditions.folding): Unicode case folding on SQLite,
    # PostgreSQL's UPPER elsewhere. Asked once: a process talks to one database.
    return python_fold(connection.vendor)


def _fold(text: str) -> str:
    return _folder()(text)


# Django's lookups, as the compiler uses them on a column.
LOOKUPS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": op.eq,
    "iexact": lambda v, w: _fold(v) == _fold(w),
    "icontains": lambda v, w: _fold(w) in _fold(v),
    "istartswith": lambda v, w: _fold(v).startswith(_fold(w)),
    "iendswith": lambda v, w: _fold(v).endswith(_fold(w)),
    "lt": op.lt,
    "lte": op.le,
    "gte": op.ge,
    "gt": op.gt,
}


def _window_test(
    window: Window, target: AttributeTarget, read: Callable[[Snapshot], Any], value: Duration
) -> Test:
    days = value.days
    if days is None:  # minutes, hours: instants around now, the same comparisons as SQL's

        def instants(snapshot: Snapshot, now: dt.datetime) -> bool:
            moment = read(snapshot)
            return moment is not None and all(
                LOOKUPS[lookup](moment, bound) for lookup, bound in window.comparisons(now, value)
            )

        return instants
    lo, hi = window.days(days)

    def in_days(snapshot: Snapshot, now: dt.datetime) -> bool:
        found = read(snapshot)
        if found is None:
            return False
        # The window as CompileContext.per_timezone computes it for the person's zone.
        tz = _zone(snapshot.get("timezone") or "UTC")
        today = now.astimezone(tz).date()
        key = target.window(
            today + dt.timedelta(days=lo) if lo is not None else None,
            today + dt.timedelta(days=hi) if hi is not None else None,
            tz,
            today,
        )
        return _in_window(target, key, found)

    return in_days


def _in_window(target: AttributeTarget, window: Any, value: Any) -> bool:
    """AttributeTarget.window_q in Python: whether `value` is in a window AttributeTarget.window made."""
    if target.anniversary:
        kind, ranges = window
        month_day = value.month * 100 + value.day
        hit = ranges is None or any(start <= month_day <= end for start, end in ranges)
        return hit if kind == "in" else not hit
    lo, hi = window
    if lo is not None and value < lo:
        return False
    if hi is None:
        return True
    return value <= hi if target.data_type == DT.DATE else value < hi


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo caches the zones it finds, but searches the disk again for every unknown name.
    return zone(name)


# --- snapshot values -------------------------------------------------------------------------------


def _reader(target: AttributeTarget) -> Callable[[Snapshot], Any]:
    """Reads the target's value from a snapshot as the type the parser gives rule values, or None when
    the person has none: None, "" and [] (which the database never stores: they clear a value, and a
    standard text column's "" counts as empty) and a value no column of that type could hold."""
    key, parse = target.key, _PARSERS[target.data_type]

    def read(snapshot: Snapshot) -> Any:
        raw = snapshot.get(key)
        if is_empty_value(raw):
            return None
        try:
            return parse(raw)
        except (TypeError, ValueError, InvalidOperation):
            return None

    return read


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise TypeError("a date-time is not a date")
    return raw if isinstance(raw, dt.date) else dt.date.fromisoformat(raw)


def _datetime(raw: Any) -> dt.datetime:
    moment = raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(raw)
    # The database keeps instants in UTC; a value without an offset can only have come from there.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise TypeError("not a boolean")
    return raw


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError("not text")
    return raw


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise TypeError("not a number")
    number = Decimal(str(raw))
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _items(raw: Any) -> list[str]:
    if not isinstance(raw, list):
        raise TypeError("not a list")
    return [item for item in raw if isinstance(item, str)]


_PARSERS: dict[str, Callable[[Any], Any]] = {
    DT.BOOLEAN: _boolean,
    DT.TEXT: _text,
    DT.NUMBER: _number,
    DT.DATE: _date,
    DT.DATETIME: _datetime,
    DT.LIST: _items,
}
