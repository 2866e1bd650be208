"""The operator registry: one entry per operator name, used to validate rules, to compile them and
to describe them to the rule builder (GET /api/segments/operators/).

Which operators a data type offers is exactly the seed's "Change In People Profile" table; the
registration order below is the table's order for every type. Each negative operator is declared as
the complement of its positive one (`negates`), so "A is X" and "A is not X" always split everyone,
persons without a value included.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Q

from people.models import AttributeDefinition

if TYPE_CHECKING:
    from people.conditions.compiler import CompileContext
    from people.conditions.targets import Target

DT = AttributeDefinition.DataType
ALL_DATES = frozenset({DT.DATE, DT.DATETIME})
SCALARS = frozenset({DT.BOOLEAN, DT.TEXT, DT.NUMBER, DT.DATE, DT.DATETIME})
# Subjects that are not attributes: their id is in the condition's own key ("tag": 3).
TAG, COMPANY, SEGMENT, EVENT = "tag", "company", "segment", "event"
SUBJECTS = [*DT.values, TAG, COMPANY, SEGMENT, EVENT]

# "none": no value; "value": a value of the attribute's type; "duration": {"amount": n, "unit": u}
# (a bare whole number n, the format of older documents, is n days).
ValueKind = Literal["none", "value", "duration"]
Build = Callable[["Target", Any, "CompileContext"], Q]

# --- durations ----------------------------------------------------------------------------------

UNITS: dict[str, dt.timedelta] = {
    "minutes": dt.timedelta(minutes=1),
    "hours": dt.timedelta(hours=1),
    "days": dt.timedelta(days=1),
    "weeks": dt.timedelta(weeks=1),
}
# Days and weeks count calendar days in the person's timezone (and birthdays for birth_date); minutes
# and hours are instants relative to now, so they need a value that has a time: a DATETIME.
DAY_UNITS = frozenset({"days", "weeks"})
# At most about a hundred years in any unit: keeps now ± the window inside datetime's range.
MAX_SPAN = dt.timedelta(days=36500)
MAX_AMOUNT = {unit: MAX_SPAN // step for unit, step in UNITS.items()}


def units_for(data_type: str) -> list[str]:
    """The units a relative date operator takes for a value of `data_type`."""
    return list(UNITS) if data_type == DT.DATETIME else [u for u in UNITS if u in DAY_UNITS]


@dataclass(frozen=True)
class Duration:
    """The value of a relative date operator: `amount` `unit`s (unit: a key of UNITS)."""

    amount: int
    unit: str

    @property
    def days(self) -> int | None:
        """The whole number of days, or None for minutes and hours (instant windows)."""
        return self.amount * UNITS[self.unit].days if self.unit in DAY_UNITS else None


@dataclass(frozen=True)
class Window:
    """When a relative date operator holds: from `lo(N)` to `hi(N)` units after now (negative: before;
    None: unbounded), each end included or not, N being the condition's amount.

    One declaration serves both readings of the unit. For minutes and hours the window is one of
    instants (now + lo·unit, now + hi·unit). For days and weeks it is one of whole days in the person's
    timezone, today + lo … today + hi, where an excluded end excludes its whole day: "was more than 3
    days" = (−∞, −3) = up to today−4.
    """

    lo: Callable[[int], int] | None
    hi: Callable[[int], int] | None
    lo_included: bool = True
    hi_included: bool = True

    def days(self, n: int) -> tuple[int | None, int | None]:
        """The window as whole days [lo, hi] relative to today (both included; None: open)."""
        lo = None if self.lo is None else self.lo(n) + (0 if self.lo_included else 1)
        hi = None if self.hi is None else self.hi(n) - (0 if self.hi_included else 1)
        return lo, hi

    def comparisons(self, now: dt.datetime, duration: Duration) -> list[tuple[str, dt.datetime]]:
        """The window as instants: the (lookup, instant) comparisons a value must pass."""
        step, n = UNITS[duration.unit], duration.amount
        found = []
        if self.lo is not None:
            found.append(("gte" if self.lo_included else "gt", now + self.lo(n) * step))
        if self.hi is not None:
            found.append(("lte" if self.hi_included else "lt", now + self.hi(n) * step))
        return found


TODAY = Duration(0, "days")


def lookup_for(lookup: str, data_type: str) -> str:
    """The lookup an operator's `lookup` means for a data type: text equality ignores case."""
    return "iexact" if lookup == "exact" and data_type == DT.TEXT else lookup


@dataclass(frozen=True)
class Operator:
    """One operator. Exactly one of `negates`, `lookup`, `window` and `build` says what it does:

    - negates: the exact complement of another operator;
    - lookup: compares the value with the condition's value (a Django lookup: "exact", "lt",
      "istartswith", …, see lookup_for);
    - window: a relative date operator, a window of time around now (see Window);
    - build: anything else (emptiness, contains, tags, companies, segments, events).

    people.conditions.evaluate reads the same declarations to decide a rule in Python.
    """

    name: str
    label: str
    subjects: frozenset[str]
    value: ValueKind
    build: Build | None = None
    negates: str | None = None
    lookup: str | None = None
    window: Window | None = None

    def compile(self, target: "Target", value: Any, ctx: "CompileContext") -> Q:
        if self.negates:
            return ~OPERATORS[self.negates].compile(target, value, ctx)
        if self.lookup:
            return target.compare(lookup_for(self.lookup, target.data_type), value)
        if self.window:
            return _window_q(self.window, target, value or TODAY, ctx)
        assert self.build is not None
        return self.build(target, value, ctx)


OPERATORS: dict[str, Operator] = {}


def _register(op: Operator) -> None:
    assert op.name not in OPERATORS, op.name
    assert op.negates is None or op.negates in OPERATORS, op.name
    ways = [op.negates, op.lookup, op.window, op.build]
    assert sum(way is not None for way in ways) == 1, op.name
    OPERATORS[op.name] = op


def operators_for(subject: str) -> list[Operator]:
    """The operators of a data type (or of tag/company/segment), in the seed's order."""
    return [op for op in OPERATORS.values() if subject in op.subjects]


def _window_q(window: Window, target: "Target", duration: Duration, ctx: "CompileContext") -> Q:
    days = duration.days
    if days is not None:
        # See CompileContext.per_timezone for why a day window compiles per zone.
        lo, hi = window.days(days)
        return ctx.per_timezone(target, lo, hi)
    comparisons = window.comparisons(ctx.now, duration)
    compare_all = getattr(target, "compare_all", None)
    if compare_all is not None:  # attributes: every bound on the same value, in one subquery
        return compare_all(comparisons)
    q = Q()  # event properties: the bounds filter the same event row anyway
    for lookup, instant in comparisons:
        q &= target.compare(lookup, instant)
    return q


def _relative(name: str, label: str, window: Window, value: ValueKind = "duration") -> Operator:
    return Operator(name, label, ALL_DATES, value, window=window)


for _op in [
    Operator("is", "is", SCALARS, "value", lookup="exact"),
    Operator("is_not", "is not", SCALARS, "value", negates="is"),
    Operator("contains", "contains", frozenset({DT.TEXT, DT.LIST}), "value", lambda t, v, ctx: t.contains(v)),
    Operator("not_contains", "does not contain", frozenset({DT.TEXT, DT.LIST}), "value", negates="contains"),
    Operator("starts_with", "starts with", frozenset({DT.TEXT}), "value", lookup="istartswith"),
    Operator("ends_with", "ends with", frozenset({DT.TEXT}), "value", lookup="iendswith"),
    Operator("lt", "less than", frozenset({DT.NUMBER}), "value", lookup="lt"),
    Operator("lte", "less than or equal", frozenset({DT.NUMBER}), "value", lookup="lte"),
    Operator("gte", "greater than or equal", frozenset({DT.NUMBER}), "value", lookup="gte"),
    Operator("gt", "greater than", frozenset({DT.NUMBER}), "value", lookup="gt"),
    Operator("before", "before", ALL_DATES, "value", lookup="lt"),
    Operator("until", "until", ALL_DATES, "value", lookup="lte"),
    Operator("since", "since", ALL_DATES, "value", lookup="gte"),
    Operator("after", "after", ALL_DATES, "value", lookup="gt"),
    Operator("is_empty", "is empty", frozenset(DT.values), "none", lambda t, v, ctx: ~t.present()),
    Operator("is_not_empty", "is not empty", SCALARS - {DT.BOOLEAN}, "none", negates="is_empty"),
    # Relative date operators (N = the amount): windows from now in the condition's unit.
    _relative("is_today", "is today", Window(lambda n: 0, lambda n: 1, hi_included=False), "none"),
    _relative("will_be_in", "will be in", Window(lambda n: n, lambda n: n + 1, hi_included=False)),
    _relative("will_be_within", "will be within", Window(lambda n: 0, lambda n: n)),
    _relative("will_be_more_than", "will be more than", Window(lambda n: n, None, lo_included=False)),
    _relative("was", "was", Window(lambda n: -n - 1, lambda n: -n, lo_included=False)),
    _relative("was_within", "was within", Window(lambda n: -n, lambda n: 0)),
    _relative("was_more_than", "was more than", Window(None, lambda n: -n, hi_included=False)),
    # Subjects that are not attributes: the target is the tag, company or segment itself.
    Operator("has", "has", frozenset({TAG}), "none", lambda t, v, ctx: t.matches(ctx)),
    Operator("has_not", "has not", frozenset({TAG}), "none", negates="has"),
    Operator("in", "in", frozenset({COMPANY, SEGMENT}), "none", lambda t, v, ctx: t.matches(ctx)),
    Operator("not_in", "not in", frozenset({COMPANY, SEGMENT}), "none", negates="in"),
    # Events (people.conditions.events): window, count and property filters live in the target.
    Operator("happened", "happened", frozenset({EVENT}), "none", lambda t, v, ctx: t.matches(ctx)),
    Operator("not_happened", "not happened", frozenset({EVENT}), "none", negates="happened"),
]:
    _register(_op)

# The operators whose answer changes as time passes, not only when the person changes.
RELATIVE_OPERATORS = frozenset(op.name for op in OPERATORS.values() if op.window is not None)
