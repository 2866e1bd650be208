"""Inserts and updates of many rows at once, for the batches of an import and the change log.

`QuerySet.bulk_create` wants a model instance per row and sends every value through the SQL compiler:
some 10 µs a value in Python, far more than the database's own work, and most of an import's time.
`insert` takes plain tuples. Each value is still prepared by its model field (`get_db_prep_save`) and
the conflict and RETURNING clauses come from the backend's own operations, so the rows stored are the
ones bulk_create would store: multi-row INSERTs on SQLite; COPY, or INSERT … SELECT FROM UNNEST with
one array per column, on PostgreSQL.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.constants import OnConflict

_SCALARS = {type(None), str, int, bool, dt.date, dt.datetime}


def insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique_fields: Sequence[str] = (),
    update_fields: Sequence[str] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (one value per name in `fields`, model field names) into the model's table, in
    the current transaction, and return the `returning` field's value of each inserted row, in order.

    With `unique_fields` and `update_fields`, a row clashing on the unique fields with a stored one
    updates that one's `update_fields` instead (ON CONFLICT … DO UPDATE). A field left out of `fields`
    takes its database default (NULL): model defaults and auto_now are not applied, pass those values.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    values = _prepared(columns, rows, connection)
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in columns)
    head = f"INSERT INTO {quote(meta.db_table)} ({names})"
    tail = ""
    if update_fields:
        tail += " " + connection.ops.on_conflict_suffix_sql(
            columns,
            OnConflict.UPDATE,
            [meta.get_field(name).column for name in update_fields],
            [meta.get_field(name).column for name in unique_fields],
        )
    if returning:
        tail += " " + connection.ops.return_insert_columns([meta.get_field(returning)])[0]
    returned: list[Any] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not tail:
            # COPY: half the time of an INSERT for the change log's thousands of rows. It is psycopg's
            # own call, so its errors are turned into Django's (IntegrityError…) here.
            with connection.wrap_database_errors:
                with cursor.copy(f"COPY {quote(meta.db_table)} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
        elif connection.vendor == "postgresql":
            # One array per column, as Django's bulk_create does there: psycopg parses the placeholders
            # of a statement in Python, which at thousands of them costs more than the insert itself.
            casts = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in columns)
            arrays = [list(column) for column in zip(*values, strict=True)]
            cursor.execute(f"{head} SELECT * FROM UNNEST({casts}){tail}", arrays)  # noqa: S608 (model names)
            returned = cursor.fetchall() if returning else []
        else:
            size = max(1, connection.ops.bulk_batch_size(columns, values))
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(values), size):
                chunk = values[start : start + size]
                cursor.execute(
                    f"{head} VALUES {', '.join([placeholders] * len(chunk))}{tail}",
                    [value for row in chunk for value in row],
                )
                if returning:
                    returned += cursor.fetchall()
    return [row[0] for row in returned]


def create(objs: Sequence[models.Model]) -> None:
    """Save new model instances of one model, as `QuerySet.bulk_create` does, at the cost of `insert`:
    each instance's field values (its defaults, auto_now/auto_now_add stamps, the ids of related
    instances saved since it was built) go in as plain tuples, and the new primary keys are set on the
    instances. For the hot paths (a launch batch's participants, steps and messages); no signals, like
    bulk_create."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    relations = [f for f in fields if f.is_relation]
    rows = []
    for obj in objs:
        for field in relations:
            # A related instance saved after this one was built (a participant in a launch batch).
            if getattr(obj, field.attname) is None and field.is_cached(obj):
                related = field.get_cached_value(obj)
                if related is not None:
                    setattr(obj, field.name, related)  # sets the id, keeps the instance
        rows.append([field.pre_save(obj, True) for field in fields])
    ids = insert(model, [f.name for f in fields], rows, returning=meta.pk.name)
    db = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db


def update(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    keys: Sequence[str] = (),
) -> None:
    """Set `fields` of stored rows: each row is (primary key, one value per name in `fields`), or, with
    `keys` (field names that identify a row, e.g. ("participant", "seq")), one value per key first.

    One UPDATE statement run for every row (executemany), instead of `bulk_update`'s CASE WHEN per field
    and row, which costs milliseconds a row to build and to run. auto_now fields are not touched:
    pass their values."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    key_fields = [meta.get_field(name) for name in keys] if keys else [meta.pk]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
    where = " AND ".join(f"{quote(f.column)} = %s" for f in key_fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {where}"  # noqa: S608 (model names)
    values = _prepared([*key_fields, *columns], rows, connection)
    n = len(key_fields)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[*row[n:], *row[:n]] for row in values])


def _prepared(
    columns: list[models.Field], rows: Sequence[Sequence[Any]], connection: BaseDatabaseWrapper
) -> list[list[Any]]:
    """The rows' values as the database takes them (each by its field's get_db_prep_save)."""
    prepare = [field.get_db_prep_save for field in columns]
    # Rows repeat values (the batch's timestamp, its source, attribute keys, common names): each column
    # prepares a distinct value once, as that costs more than inserting it (a datetime for SQLite).
    # Only immutable scalars, keyed with their type so 1 and True stay apart.
    seen: list[dict[tuple[type, Any], Any]] = [{} for _ in columns]
    prepared = []
    for row in rows:
        values = []
        for i, value in enumerate(row):
            if type(value) not in _SCALARS:
                values.append(prepare[i](value, connection))
                continue
            key = (type(value), value)
            if key not in seen[i]:
                seen[i][key] = prepare[i](value, connection)
            values.append(seen[i][key])
        prepared.append(values)
    return prepared
