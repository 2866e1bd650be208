"""Fixed-shape ORM queries compiled to SQL once per process, then run with new ids.

Django compiles a queryset to SQL on every evaluation: resolving lookups, joins, the select list and its
converters. For the few queries an inbox answer runs each time with nothing but an id changing (the
answering participant with its version, flow and launch; the person's snapshot), that compilation cost
several times the database's own work. `CompiledQuery` builds the queryset once with stand-in ids, keeps
the compiler Django made for it and its SQL, and on each call only swaps the ids into the parameters, runs
the SQL and turns the rows into what the queryset would have returned (model instances with their
select_related objects, dicts for values(), tuples for values_list()), through Django's own converters and
populators, so the results are the ORM's.

Only integer arguments (ids) are supported: each one must reach the SQL parameters unchanged, which the
first compilation checks (a query that transforms an argument fails loudly there, in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

# Stand-in ids no table holds: the positions where they appear in the compiled parameters are the slots
# each call fills with its own ids. Within a 32-bit integer column's range (auth_user.id on PostgreSQL):
# Django compiles a lookup with an out-of-range value to "nothing matches", without the parameter.
_PROBE = -2_000_000_000


class CompiledQuery:
    """`build(*ids)` returns the queryset (the same shape for any ids, on the one database this project
    uses); `run(*ids)` returns its results as a list, compiling on the first call."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._plan: _Plan | None = None

    def run(self, *ids: int) -> list[Any]:
        """The queryset's results for these ids, in the current transaction (its locks included)."""
        if self._plan is None:
            self._plan = _Plan(self._build(*(_PROBE - i for i in range(len(ids)))))
        return self._plan.run(ids)


class _Plan:
    """One queryset's compiled SQL and the means to turn its rows into the queryset's results."""

    def __init__(self, queryset: QuerySet) -> None:
        self.db = queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots = [(index, _PROBE - value) for index, value in enumerate(self.params) if _is_probe(value)]
        self.iterable = queryset._iterable_class
        if self.iterable is ModelIterable:
            compiler = self.compiler
            klass_info = compiler.klass_info
            start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.model_slice = slice(start, end)
            self.init_list = [column[0].target.attname for column in compiler.select[start:end]]
            self.populators = get_related_populators(klass_info, compiler.select, self.db)
            extras = queryset._known_related_objects or queryset._prefetch_related_lookups
            if compiler.annotation_col_map or extras:
                raise ValueError("CompiledQuery takes plain model queries (select_related, no annotations)")
        elif self.iterable is ValuesIterable:
            query = queryset.query
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]
        elif self.iterable is not ValuesListIterable or queryset.query.annotation_select:
            raise ValueError("CompiledQuery takes model, values() or values_list(fields) queries")

    def run(self, ids: tuple[int, ...]) -> list[Any]:
        found = {number for _, number in self.slots}
        if found != set(range(len(ids))):
            raise ValueError(f"an id does not reach the SQL unchanged: {self.sql!r} {self.params!r}")
        params = list(self.params)
        for index, number in self.slots:
            params[index] = int(ids[number])
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        rows = self.compiler.results_iter(results=[rows])
        if self.iterable is ModelIterable:
            return [self._instance(row) for row in rows]
        if self.iterable is ValuesIterable:
            return [dict(zip(self.names, row, strict=True)) for row in rows]
        return [tuple(row) for row in rows]

    def _instance(self, row: Any) -> Any:
        model = self.compiler.klass_info["model"]
        instance = model.from_db(self.db, self.init_list, row[self.model_slice])
        for populator in self.populators:
            populator.populate(row, instance)
        return instance


def _is_probe(value: Any) -> bool:
    return type(value) is int and _PROBE - 1000 < value <= _PROBE
