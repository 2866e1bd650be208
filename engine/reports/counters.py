"""Writing the counters: deltas added with one multi-row upsert per table (INSERT ... ON CONFLICT DO
UPDATE, on SQLite and PostgreSQL alike), rows in a fixed order so two handlers adding to the same counters
never deadlock."""

from datetime import datetime

from django.db import connection

from engine.reports.models import HourCount, NodeCount

CHUNK = 500


def counts_add(nodes: list[list], hours: list[list]) -> None:
    """Add [version id, node id, metric, label, n] and [version id, hour (ISO), metric, n] deltas."""
    node_rows = sorted(
        (int(v), str(node), str(metric), str(label), int(n)) for v, node, metric, label, n in nodes
    )
    adapt = connection.ops.adapt_datetimefield_value
    hour_rows = sorted(
        (int(v), adapt(datetime.fromisoformat(h)), str(metric), int(n)) for v, h, metric, n in hours
    )
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
