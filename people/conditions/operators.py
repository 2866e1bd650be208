"""The operator registry: one entry per operator name, used to validate rules, to compile them and
to describe them to the rule builder (GET /api/segments/operators/).

Which operators a data type offers is exactly the seed's "Change In People Profile" table; the
registration order below is the table's order for every type. Each negative operator is declared as
the complement of its positive one (`negates`), so "A is X" and "A is not X" always split everyone,
persons without a value included.
"""

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

# "none": no value; "value": a value of the attribute's type; "days": a whole number of days.
ValueKind = Literal["none", "value", "days"]
Build = Callable[["Target", Any, "CompileContext"], Q]


@dataclass(frozen=True)
class Operator:
    name: str
    label: str
    subjects: frozenset[str]
    value: ValueKind
    build: Build | None = None
    negates: str | None = None

    def compile(self, target: "Target", value: Any, ctx: "CompileContext") -> Q:
        if self.negates:
            return ~OPERATORS[self.negates].compile(target, value, ctx)
        assert self.build is not None
        return self.build(target, value, ctx)


OPERATORS: dict[str, Operator] = {}


def _register(op: Operator) -> None:
    assert op.name not in OPERATORS, op.name
    assert op.negates is None or op.negates in OPERATORS, op.name
    OPERATORS[op.name] = op


def operators_for(subject: str) -> list[Operator]:
    """The operators of a data type (or of tag/company/segment), in the seed's order."""
    return [op for op in OPERATORS.values() if subject in op.subjects]


def _relative(lo: Callable[[int], int | None], hi: Callable[[int], int | None]) -> Build:
    """A day window relative to today in each person's timezone: [today+lo(N), today+hi(N)]
    (None = open). See CompileContext.per_timezone for why it compiles per zone."""

    def build(target: "Target", days: Any, ctx: "CompileContext") -> Q:
        n = int(days or 0)
        return ctx.per_timezone(target, lo(n), hi(n))

    return build


def _is(t: "Target", v: Any, ctx: "CompileContext") -> Q:
    return t.compare("iexact" if t.data_type == DT.TEXT else "exact", v)


def _compare(lookup: str) -> Build:
    return lambda t, v, ctx: t.compare(lookup, v)


for _op in [
    Operator("is", "is", SCALARS, "value", _is),
    Operator("is_not", "is not", SCALARS, "value", negates="is"),
    Operator("contains", "contains", frozenset({DT.TEXT, DT.LIST}), "value", lambda t, v, ctx: t.contains(v)),
    Operator("not_contains", "does not contain", frozenset({DT.TEXT, DT.LIST}), "value", negates="contains"),
    Operator("starts_with", "starts with", frozenset({DT.TEXT}), "value", _compare("istartswith")),
    Operator("ends_with", "ends with", frozenset({DT.TEXT}), "value", _compare("iendswith")),
    Operator("lt", "less than", frozenset({DT.NUMBER}), "value", _compare("lt")),
    Operator("lte", "less than or equal", frozenset({DT.NUMBER}), "value", _compare("lte")),
    Operator("gte", "greater than or equal", frozenset({DT.NUMBER}), "value", _compare("gte")),
    Operator("gt", "greater than", frozenset({DT.NUMBER}), "value", _compare("gt")),
    Operator("before", "before", ALL_DATES, "value", _compare("lt")),
    Operator("until", "until", ALL_DATES, "value", _compare("lte")),
    Operator("since", "since", ALL_DATES, "value", _compare("gte")),
    Operator("after", "after", ALL_DATES, "value", _compare("gt")),
    Operator("is_empty", "is empty", frozenset(DT.values), "none", lambda t, v, ctx: ~t.present()),
    Operator("is_not_empty", "is not empty", SCALARS - {DT.BOOLEAN}, "none", negates="is_empty"),
    Operator("is_today", "is today", ALL_DATES, "none", _relative(lambda n: 0, lambda n: 0)),
    Operator("will_be_in", "will be in", ALL_DATES, "days", _relative(lambda n: n, lambda n: n)),
    Operator("will_be_within", "will be within", ALL_DATES, "days", _relative(lambda n: 0, lambda n: n)),
    Operator(
        "will_be_more_than",
        "will be more than",
        ALL_DATES,
        "days",
        _relative(lambda n: n + 1, lambda n: None),
    ),
    Operator("was", "was", ALL_DATES, "days", _relative(lambda n: -n, lambda n: -n)),
    Operator("was_within", "was within", ALL_DATES, "days", _relative(lambda n: -n, lambda n: 0)),
    Operator(
        "was_more_than", "was more than", ALL_DATES, "days", _relative(lambda n: None, lambda n: -n - 1)
    ),
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
