"""Writing the counters: deltas added with one multi-row upsert per table (INSERT ... ON CONFLICT DO
UPDATE, on SQLite and PostgreSQL alike), rows in a fixed order so two handlers adding to the same counters
never deadlock."""

from collections import Counter
from datetime import datetime

from django.db import connection

from engine.reports.models import HourCount, NodeCount

CHUNK = 500


def counts_add(nodes: list[list], hours: list[list]) -> None:
    """Add [version id, node id, metric, label, n] and [version id, hour (ISO), metric, n] deltas. Rows of
    the same counter are summed first (one upsert may not touch a row twice on PostgreSQL)."""
    adapt = connection.ops.adapt_datetimefield_value
    node_sums: Counter = Counter()
    for v, node, metric, label, n in nodes:
        node_sums[(int(v), str(node), str(metric), str(label))] += int(n)
    hour_sums: Counter = Counter()
    for v, hour, metric, n in hours:
        hour_sums[(int(v), adapt(datetime.fromisoformat(hour)), str(metric))] += int(n)
    node_rows = sorted((*key, n) for key, n in node_sums.items() if n)
    hour_rows = sorted((*key, n) for key, n in hour_sums.items() if n)
    _upsert(NodeCount, ["version_id", "node_id", "metric", "label"], node_rows)
    _upsert(HourCount, ["version_id", "hour", "metric"], hour_rows)


def _upsert(model, keys: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in [*keys, "total"])
    conflict = ", ".join(quote(c) for c in keys)
    placeholders = "(" + ", ".join(["%s"] * (len(keys) + 1)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = ", ".join([placeholders] * len(chunk))
            sql = (
                f"INSERT INTO {table} ({columns}) VALUES {values} "  # noqa: S608 (model names)
                f"ON CONFLICT ({conflict}) DO UPDATE SET total = {table}.total + excluded.total"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
