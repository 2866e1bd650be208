"""Event conditions: "the person did (not) do X [within a window] [N times] [with these properties]".

    {"event": "purchase", "operator": "happened",
     "within": {"amount": 7, "unit": "days"},          optional: occurred in (now - 7 days, now]
     "count": {"operator": "gte", "value": 3},         optional: how many such events (default >= 1)
     "properties": [{"property": "total", "operator": "gte", "value": 50}],   optional, all must hold
     "since": "2026-12-01T09:00:00+00:00"}             optional: only events from then on count
                                                       (a trigger without historical data)

`happened` and `not_happened` are operators of the registry (subject "event"); `not_happened` is the
exact complement of `happened` with the same criteria. Property filters use the registry's operators
for the property's data type, compiled against the JSON of Event.properties (see
people.events.property_json for how values are stored so that SQL compares them correctly).
Everything compiles to `pk IN (SELECT person_id FROM event WHERE …)`, with `GROUP BY person_id
HAVING COUNT(*) …` for counts: persons are never loaded.
"""

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import BooleanField, Count, F, Func, Q

from people.conditions.folding import SQLITE_LOWER, ci_lookup
from people.conditions.operators import EVENT, OPERATORS, Operator, operators_for
from people.events import property_json
from people.models import AttributeDefinition, Event, EventDefinition

if TYPE_CHECKING:
    from people.conditions.compiler import CompileContext, Condition, _Parser

DT = AttributeDefinition.DataType
UNITS = {"minutes": "minutes", "hours": "hours", "days": "days"}
COUNT_OPERATORS = ("gte", "lte", "eq")
MAX_AMOUNT = 100_000
MAX_COUNT = 100_000
MAX_PROPERTY_FILTERS = 20
EVENT_KEYS = ("event", "operator", "within", "count", "properties", "since")


class _ListHasItem(Func):
    """Whether the JSON list at `key` of a JSON column holds `item`, ignoring case (an EXISTS over
    the list's items, lower-cased as LIST attribute items are: by Python's str.lower on SQLite, whose
    own lower() only knows ASCII letters)."""

    output_field = BooleanField()

    def __init__(self, column: str, key: str, item: str):
        super().__init__(F(column))
        self.key = key
        self.item = item.strip().lower()

    def as_sql(self, compiler, connection, **extra):  # SQLite
        column, params = compiler.compile(self.source_expressions[0])
        # The column is our own compiled expression; the key and the item are parameters.
        sql = f"EXISTS (SELECT 1 FROM json_each({column}, %s) AS item WHERE {SQLITE_LOWER}(item.value) = %s)"  # noqa: S608
        return sql, [*params, f'$."{self.key}"', self.item]

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        items = f"CASE WHEN jsonb_typeof({column} -> %s) = 'array' THEN {column} -> %s ELSE '[]'::jsonb END"
        sql = (
            f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({items}) AS item(value) "  # noqa: S608
            "WHERE lower(item.value) = %s)"
        )
        return sql, [*params, self.key, *params, self.key, self.item]


def _start_of_day(day: dt.date, tz: ZoneInfo) -> str:
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return property_json(DT.DATETIME, moment)


@dataclass(frozen=True)
class EventPropertyTarget:
    """A property of an event, as an operator target: every `Q` it builds is over Event rows.

    Each comparison also requires the property to be present, so that an operator's negation
    (`is_not` = not `is`) also matches events without the property, as for attributes."""

    key: str
    data_type: str
    column: str = "properties"
    # Relative date operators compare with "today" in the PERSON's timezone (CompileContext.per_timezone).
    timezone_field: str = "person__timezone"

    def present(self) -> Q:
        return Q(**{f"{self.column}__has_key": self.key})

    def _lookup(self, lookup: str, value: Any) -> Q:
        # Property keys are letters, digits and single underscores (people.events.PROPERTY_KEY), so
        # the ORM reads "properties__<key>__<lookup>" as one key and one lookup. Case-insensitive
        # lookups fold every letter, also on SQLite (people.conditions.folding).
        return Q(**{f"{self.column}__{self.key}__{ci_lookup(lookup)}": value})

    def compare(self, lookup: str, value: Any) -> Q:
        if self.data_type in (DT.TEXT, DT.LIST):
            stored = value
        else:
            stored = property_json(self.data_type, value)
        return self.present() & self._lookup(lookup, stored)

    def contains(self, value: str) -> Q:
        if self.data_type == DT.LIST:
            return self.present() & Q(_ListHasItem(self.column, self.key, value))
        return self.compare("icontains", value)

    def window(self, lo: dt.date | None, hi: dt.date | None, tz: ZoneInfo, today: dt.date) -> Hashable:
        if self.data_type == DT.DATE:
            return (lo.isoformat() if lo else None, hi.isoformat() if hi else None)
        return (
            _start_of_day(lo, tz) if lo is not None else None,
            _start_of_day(hi + dt.timedelta(days=1), tz) if hi is not None else None,
        )

    def window_q(self, window: Any) -> Q:
        lo, hi = window
        q = self.present()
        if lo is not None:
            q &= self._lookup("gte", lo)
        if hi is not None:
            q &= self._lookup("lte" if self.data_type == DT.DATE else "lt", hi)
        return q

    def matches(self, ctx: "CompileContext") -> Q:
        # Unreachable through the operator registry: an event property is always compared.
        raise TypeError("An event property is compared by an operator; it cannot be matched on its own.")


@dataclass(frozen=True)
class EventTarget:
    """Who did an event, within a window, a number of times, with matching properties."""

    definition_id: int
    within: dt.timedelta | None = None
    count: tuple[str, int] | None = None
    properties: tuple["Condition", ...] = ()
    since: dt.datetime | None = None
    data_type: str = EVENT

    def with_properties(self, events, ctx: "CompileContext"):
        """Event rows narrowed to those of this definition passing the property filters."""
        events = events.filter(definition_id=self.definition_id)
        for condition in self.properties:
            events = events.filter(condition.operator.compile(condition.target, condition.value, ctx))
        return events

    def matches(self, ctx: "CompileContext") -> Q:
        """A `Q` over Person: has the events as of `ctx.now` (events later than now do not count)."""
        events = Event.objects.filter(definition_id=self.definition_id, occurred_at__lte=ctx.now).order_by()
        if self.within is not None:
            events = events.filter(occurred_at__gte=ctx.now - self.within)
        if self.since is not None:
            events = events.filter(occurred_at__gte=self.since)
        if ctx.event_up_to is not None:
            events = events.exclude(occurred_at=ctx.now, pk__gt=ctx.event_up_to)
        if ctx.person_id is not None:
            events = events.filter(person_id=ctx.person_id)
        events = self.with_properties(events, ctx)

        def having(lookup: str, n: int) -> Q:
            if lookup == "gte" and n == 1:
                return Q(pk__in=events.values("person_id"))
            grouped = events.values("person_id").annotate(n=Count("pk")).filter(**{f"n__{lookup}": n})
            return Q(pk__in=grouped.values("person_id"))

        operator, n = self.count or ("gte", 1)
        if operator == "gte":
            return Q() if n <= 0 else having("gte", n)
        if operator == "lte":  # persons without any such event have 0, which is <= n
            return ~having("gte", n + 1)
        return ~having("gte", 1) if n == 0 else having("exact", n)


# --- parsing --------------------------------------------------------------------------------------


def _whole(raw: Any, lo: int, hi: int) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or not lo <= raw <= hi:
        return None
    return raw


def parse_event_condition(parser: "_Parser", doc: dict, path: str) -> "Condition | None":
    """Validate an event condition, reporting every problem at its path; its Condition or None."""
    from people.conditions.compiler import Condition, _join

    ok = True
    for key in sorted(set(doc) - set(EVENT_KEYS)):
        parser.error(
            _join(path, key), f"Unknown key in an event condition (it has: {', '.join(EVENT_KEYS)})."
        )
        ok = False
    definition = _definition(parser, doc.get("event"), _join(path, "event"))
    name = doc.get("operator")
    allowed = [op.name for op in operators_for(EVENT)]
    if name not in allowed:
        known = "Unknown operator" if name not in OPERATORS else "Operator not allowed"
        parser.error(
            _join(path, "operator"),
            f"{known} {name!r} for event conditions; use one of: {', '.join(allowed)}.",
        )
        ok = False
    within = _within(parser, doc.get("within"), _join(path, "within"))
    count = _count(parser, doc.get("count"), _join(path, "count"))
    properties = _properties(parser, definition, doc.get("properties"), _join(path, "properties"))
    since = _since(parser, doc.get("since"), _join(path, "since"))
    if (
        not ok
        or definition is None
        or within is False
        or count is False
        or properties is None
        or since is False
    ):
        return None
    target = EventTarget(
        definition_id=definition.pk,
        within=within or None,
        count=count or None,
        properties=tuple(properties),
        since=since or None,
    )
    return Condition(target=target, operator=OPERATORS[name], value=None)


def _definition(parser: "_Parser", key: Any, path: str) -> EventDefinition | None:
    if not isinstance(key, str) or not key:
        parser.error(path, "Must be the key of an event definition.")
        return None
    definitions = getattr(parser, "_event_definitions", None)
    if definitions is None:
        definitions = {d.key: d for d in EventDefinition.objects.all()}
        parser._event_definitions = definitions  # type: ignore[attr-defined]
    definition = definitions.get(key)
    if definition is None:
        parser.error(path, f"Unknown event {key!r}.")
    return definition


def _within(parser: "_Parser", raw: Any, path: str) -> dt.timedelta | None | bool:
    """The window, None when absent, False when invalid."""
    from people.conditions.compiler import _join

    if raw is None:
        return None
    if not isinstance(raw, dict):
        parser.error(path, 'Must be {"amount": n, "unit": "minutes"|"hours"|"days"}.')
        return False
    ok = True
    for key in sorted(set(raw) - {"amount", "unit"}):
        parser.error(_join(path, key), "Unknown key in a window (it has amount and unit).")
        ok = False
    amount = _whole(raw.get("amount"), 1, MAX_AMOUNT)
    if amount is None:
        parser.error(_join(path, "amount"), f"Must be a whole number from 1 to {MAX_AMOUNT}.")
        ok = False
    unit = raw.get("unit")
    if unit not in UNITS:
        parser.error(_join(path, "unit"), f"Must be one of: {', '.join(UNITS)}; not {unit!r}.")
        ok = False
    if not ok:
        return False
    return dt.timedelta(**{UNITS[unit]: amount})


def _since(parser: "_Parser", raw: Any, path: str) -> dt.datetime | None | bool:
    """The moment from which events count, None when absent, False when invalid."""
    if raw is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        parser.error(path, "Must be an ISO 8601 date and time with an offset.")
        return False
    return moment


def _count(parser: "_Parser", raw: Any, path: str) -> tuple[str, int] | None | bool:
    from people.conditions.compiler import _join

    if raw is None:
        return None
    if not isinstance(raw, dict):
        parser.error(path, 'Must be {"operator": "gte"|"lte"|"eq", "value": n}.')
        return False
    ok = True
    for key in sorted(set(raw) - {"operator", "value"}):
        parser.error(_join(path, key), "Unknown key in a count (it has operator and value).")
        ok = False
    operator = raw.get("operator")
    if operator not in COUNT_OPERATORS:
        parser.error(
            _join(path, "operator"), f"Must be one of: {', '.join(COUNT_OPERATORS)}; not {operator!r}."
        )
        ok = False
    value = _whole(raw.get("value"), 0, MAX_COUNT)
    if value is None:
        parser.error(_join(path, "value"), f"Must be a whole number of occurrences from 0 to {MAX_COUNT}.")
        ok = False
    return (operator, value) if ok else False


def _properties(
    parser: "_Parser", definition: EventDefinition | None, raw: Any, path: str
) -> list["Condition"] | None:
    from people.conditions.compiler import Condition, _join

    if raw is None:
        return []
    if not isinstance(raw, list):
        parser.error(path, 'Must be a list of {"property": key, "operator": name, "value": ...}.')
        return None
    if len(raw) > MAX_PROPERTY_FILTERS:
        parser.error(path, f"At most {MAX_PROPERTY_FILTERS} property filters.")
        return None
    specs = {p["key"]: p for p in definition.properties} if definition else {}
    found: list[Condition] = []
    ok = True
    for i, item in enumerate(raw):
        here = _join(path, i)
        if not isinstance(item, dict):
            parser.error(here, 'Must be {"property": key, "operator": name, "value": ...}.')
            ok = False
            continue
        for key in sorted(set(item) - {"property", "operator", "value"}):
            parser.error(
                _join(here, key), "Unknown key in a property filter (it has property, operator, value)."
            )
            ok = False
        key = item.get("property")
        if definition is None:
            ok = False  # reported at .event; the property cannot be checked without it
            continue
        spec = specs.get(key) if isinstance(key, str) else None
        if spec is None:
            known = ", ".join(specs) or "none"
            parser.error(
                _join(here, "property"),
                f"Unknown property {key!r} of the event {definition.key!r} (it has: {known}).",
            )
            ok = False
            continue
        target = EventPropertyTarget(key=key, data_type=spec["data_type"])
        name = item.get("operator")
        allowed = [op.name for op in operators_for(spec["data_type"])]
        if name not in allowed:
            known = "Unknown operator" if name not in OPERATORS else "Operator not allowed"
            parser.error(
                _join(here, "operator"),
                f"{known} {name!r} for {spec['data_type']} properties; use one of: {', '.join(allowed)}.",
            )
            ok = False
            continue
        operator: Operator = OPERATORS[name]
        valid, value = parser.value(operator, target, item, _join(here, "value"))
        if not valid:
            ok = False
            continue
        found.append(Condition(target=target, operator=operator, value=value))
    return found if ok else None


def event_passes(event_id: int, condition: dict, *, now: dt.datetime) -> bool:
    """Whether one stored event is of the event condition's definition and passes its property filters
    (a trigger checks that the event that arrived is one its condition counts)."""
    from people.conditions.compiler import CompileContext, parse_rules

    tree = parse_rules({"op": "and", "rules": [condition]}, check_refs=False)
    target = tree.rules[0].target
    assert isinstance(target, EventTarget)
    return target.with_properties(Event.objects.filter(pk=event_id), CompileContext(now=now)).exists()


def event_references(doc: Any) -> set[str]:
    """The event keys a rule document uses."""
    found: set[str] = set()
    if isinstance(doc, dict):
        if isinstance(doc.get(EVENT), str):
            found.add(doc[EVENT])
        rules = doc.get("rules")
        for child in rules if isinstance(rules, list) else []:
            found |= event_references(child)
    return found
