"""Targets: what an operator compares. Each turns a comparison into a `Q` over Person.

An attribute target is a column: a Person column for standard attributes, or the typed value column
of AttributeValue behind an `id IN (SELECT person_id ...)` subquery for custom ones, so several
conditions on custom attributes never share a join.
"""

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from django.db.models import Q, Value
from django.db.models.functions import ExtractDay, ExtractMonth
from django.db.models.lookups import Range

from people.conditions.folding import ci_lookup
from people.models import AttributeDefinition, AttributeListItem, AttributeValue, Person

if TYPE_CHECKING:
    from people.conditions.compiler import CompileContext

DT = AttributeDefinition.DataType
NOBODY = Q(pk__in=[])


class Target(Protocol):
    data_type: str

    def compare(self, lookup: str, value: Any) -> Q: ...
    def contains(self, value: str) -> Q: ...
    def present(self) -> Q: ...
    def window(self, lo: dt.date | None, hi: dt.date | None, tz: ZoneInfo, today: dt.date) -> Hashable: ...
    def window_q(self, window: Any) -> Q: ...
    def matches(self, ctx: "CompileContext") -> Q: ...


def _start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz).astimezone(dt.UTC)


def _anniversary_ranges(lo: dt.date, hi: dt.date) -> tuple[tuple[int, int], ...] | None:
    """The (month*100 + day) ranges whose anniversary falls in [lo, hi]; None = every day of the year.
    A 29 February is celebrated on 28 February in other years."""
    if (hi - lo).days >= 365:
        return None
    start, end = lo.month * 100 + lo.day, hi.month * 100 + hi.day
    if hi.month == 2 and hi.day == 28 and not _is_leap(hi.year):
        end = 229
    if start <= end:
        return ((start, end),)
    return ((start, 1231), (101, end))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class AttributeTarget:
    data_type: str
    column: str
    # Turns a Q on the row holding the value into a Q on Person.
    wrap: Callable[[Q], Q]
    blank_is_empty: bool = False
    anniversary: bool = False
    definition_id: int | None = None
    # The attribute's key: where a person snapshot holds the value (people.conditions.evaluate).
    key: str = ""

    def compare(self, lookup: str, value: Any) -> Q:
        # Case-insensitive lookups fold every letter, also on SQLite (people.conditions.folding).
        return self.wrap(Q(**{f"{self.column}__{ci_lookup(lookup)}": value}))

    def compare_all(self, comparisons: list[tuple[str, Any]]) -> Q:
        """Every (lookup, value) comparison on the same value; one subquery for a custom attribute."""
        return self.wrap(Q(**{f"{self.column}__{lookup}": value for lookup, value in comparisons}))

    def contains(self, value: str) -> Q:
        if self.data_type == DT.LIST:
            items = AttributeListItem.objects.filter(
                definition_id=self.definition_id, value=value.strip().lower()
            )
            return Q(pk__in=items.values("person_id"))
        return self.compare("icontains", value)

    def present(self) -> Q:
        q = Q(**{f"{self.column}__isnull": False})
        if self.blank_is_empty:
            q &= ~Q(**{self.column: ""})
        return self.wrap(q)

    def window(self, lo: dt.date | None, hi: dt.date | None, tz: ZoneInfo, today: dt.date) -> Hashable:
        """What [lo, hi] (days in `tz`) means for this column, as a hashable key: zones whose key is
        equal share one branch of the query."""
        if self.anniversary:
            if lo is not None and hi is not None:
                return ("in", _anniversary_ranges(lo, hi))
            if hi is None:  # after today+N: no anniversary in [today, lo-1]
                return ("not_in", _anniversary_ranges(today, lo - dt.timedelta(days=1)))
            return ("not_in", _anniversary_ranges(hi + dt.timedelta(days=1), today))
        if self.data_type == DT.DATE:
            return (lo, hi)
        return (
            _start_of_day(lo, tz) if lo is not None else None,
            _start_of_day(hi + dt.timedelta(days=1), tz) if hi is not None else None,
        )

    def window_q(self, window: Any) -> Q:
        if self.anniversary:
            kind, ranges = window
            if ranges is None:
                matched = self.present()
            else:
                md = ExtractMonth(self.column) * Value(100) + ExtractDay(self.column)
                matched = Q()
                for start, end in ranges:
                    matched |= Q(Range(md, (start, end)))
            return self.present() & (matched if kind == "in" else ~matched)
        lo, hi = window
        q = Q()
        if lo is not None:
            q &= Q(**{f"{self.column}__gte": lo})
        if hi is not None:
            q &= Q(**{f"{self.column}__{'lte' if self.data_type == DT.DATE else 'lt'}": hi})
        return self.wrap(q)

    def matches(self, ctx: "CompileContext") -> Q:
        # Unreachable through the operator registry: "has"/"in" only accept tags, companies, segments.
        raise TypeError("An attribute is compared by an operator; it cannot be matched on its own.")


def standard_target(
    field: str, data_type: str, *, blank_is_empty: bool, anniversary: bool
) -> AttributeTarget:
    return AttributeTarget(
        data_type=data_type,
        column=field,
        wrap=lambda q: q,
        blank_is_empty=blank_is_empty,
        anniversary=anniversary,
        key=field,
    )


def custom_target(definition: AttributeDefinition) -> AttributeTarget:
    def wrap(q: Q) -> Q:
        rows = AttributeValue.objects.filter(q, definition_id=definition.pk)
        return Q(pk__in=rows.values("person_id"))

    column = {
        DT.BOOLEAN: "value_bool",
        DT.TEXT: "value_text",
        DT.NUMBER: "value_number",
        DT.DATE: "value_date",
        DT.DATETIME: "value_datetime",
        DT.LIST: "value_list",
    }[definition.data_type]
    return AttributeTarget(
        data_type=definition.data_type,
        column=column,
        wrap=wrap,
        definition_id=definition.pk,
        key=definition.key,
    )


@dataclass(frozen=True)
class TagTarget:
    tag_id: int
    data_type: str = "tag"

    def matches(self, ctx: "CompileContext") -> Q:
        members = Person.tags.through.objects.filter(tag_id=self.tag_id)
        return Q(pk__in=members.values("person_id"))


@dataclass(frozen=True)
class CompanyTarget:
    company_id: int
    data_type: str = "company"

    def matches(self, ctx: "CompileContext") -> Q:
        return Q(company_id=self.company_id)


@dataclass(frozen=True)
class SegmentTarget:
    segment_id: int
    data_type: str = "segment"

    def matches(self, ctx: "CompileContext") -> Q:
        return ctx.segment_q(self.segment_id)
