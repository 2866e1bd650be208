"""Benchmark: a three-condition segment count next to a plain COUNT(*) of the person table.

    .venv/bin/python bench/segments.py [--people 100000 1000000] [--database-url URL] [--repeat 5]

Without --database-url it uses a fresh SQLite file in a temporary folder (the embedded mode); with a
PostgreSQL URL it uses that (empty) database, migrating it first and emptying the people tables.

People are generated with bulk inserts (executemany in large batches on SQLite, COPY on PostgreSQL)
and grow from one size to the next: each person gets standard attributes (name, email, timezone,
opt-in, birth date, company), custom attribute values (score: whole NUMBER, city: TEXT, vip: BOOLEAN,
renewal: DATE), 0-2 of 20 tags and, when people.models.Event exists, 0-2 "purchase" events.

The segment is `opt_in is true AND tag has <tag 0> AND score >= 50`: a standard column, a tag and a
custom attribute, each compiled by people.conditions. Both counts are timed warm (best of --repeat)
in the same run; the ratio is segment / COUNT(*). A third figure, "row scan", is a COUNT(*) over an
unindexed column (every row read), printed because SQLite answers a bare COUNT(*) from its b-tree
page headers without reading rows; on PostgreSQL both plain counts read the table. CSV import speed
is measured by bench/imports.py.
"""

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 50_000
TAGS = 20
ZONES = ["UTC", "Europe/Brussels", "America/New_York", "Asia/Tokyo", "Europe/London"]
CITIES = ["Brussels", "Ghent", "Antwerp", "Liège", "Paris", "Berlin", "Lisbon", "Madrid"]
FIRST = ["Ann", "Bob", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jan", "Kim", "Lea"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    bench = Bench(connection, repeat=args.repeat)
    bench.reset()
    print(
        f"{'people':>9} {'gen s':>7} {'COUNT(*) ms':>12} {'segment ms':>11} {'ratio':>6} "
        f"{'matches':>9} {'row scan ms':>12} {'vs scan':>8}",
        flush=True,
    )
    for n in sorted(args.people):
        generated = bench.grow_to(n)
        bench.analyze()
        plain, segment, matches, scan = bench.measure()
        print(
            f"{n:>9} {generated:>7.1f} {plain * 1000:>12.1f} {segment * 1000:>11.1f} "
            f"{segment / plain:>6.1f} {matches:>9} {scan * 1000:>12.1f} {segment / scan:>8.1f}",
            flush=True,
        )
    print("CSV import rows/s: see bench/imports.py.")


class Bench:
    def __init__(self, connection: Any, *, repeat: int):
        from people.models import AttributeDefinition, Company, Person, Tag

        self.connection = connection
        self.repeat = repeat
        self.pg = connection.vendor == "postgresql"
        self.rng = random.Random(4)  # same people every run
        self.models = {
            "Person": Person,
            "Tag": Tag,
            "Company": Company,
            "AttributeDefinition": AttributeDefinition,
        }
        self.size = 0

    # --- schema and fixed rows ---------------------------------------------------------------------

    def reset(self) -> None:
        from people import models

        tables = [
            models.AttributeListItem,
            models.AttributeValue,
            models.Person.tags.through,
            models.Person,
            models.Segment,
            models.Tag,
            models.Company,
            models.AttributeDefinition,
        ]
        event = getattr(models, "Event", None)
        if event is not None:
            tables = [event, models.EventDefinition] + tables
        change = getattr(models, "PersonChange", None)
        if change is not None:
            tables.insert(0, change)
        with self.connection.cursor() as cursor:
            for model in tables:
                table = self.connection.ops.quote_name(model._meta.db_table)
                sql = f"TRUNCATE {table} CASCADE" if self.pg else f"DELETE FROM {table}"  # noqa: S608 (our tables)
                cursor.execute(sql)
            if not self.pg:
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA cache_size = -200000")
        Tag, Company, Definition = (
            self.models["Tag"],
            self.models["Company"],
            self.models["AttributeDefinition"],
        )
        self.tags = [Tag.objects.create(name=f"tag{i}").pk for i in range(TAGS)]
        self.companies = [Company.objects.create(name=f"Company {i}").pk for i in range(200)]
        self.definitions = {
            key: Definition.objects.create(key=key, label=key, data_type=data_type, number_kind=kind).pk
            for key, data_type, kind in [
                ("score", "NUMBER", "whole"),
                ("city", "TEXT", ""),
                ("vip", "BOOLEAN", ""),
                ("renewal", "DATE", ""),
            ]
        }
        self.event_definition = None
        if event is not None:
            self.event_definition = models.EventDefinition.objects.create(
                key="purchase",
                label="Purchase",
                properties=[{"key": "amount", "label": "Amount", "data_type": "NUMBER"}],
            ).pk
        self.rules = {
            "op": "and",
            "rules": [
                {"attribute": "opt_in", "operator": "is", "value": True},
                {"tag": self.tags[0], "operator": "has"},
                {"attribute": "score", "operator": "gte", "value": 50},
            ],
        }

    # --- generation ------------------------------------------------------------------------------

    def grow_to(self, n: int) -> float:
        """Add persons (with their values, tags and events) up to n in all; returns the seconds taken."""
        started = time.perf_counter()
        from django.db import transaction

        for first in range(self.size + 1, n + 1, BATCH):
            ids = range(first, min(first + BATCH, n + 1))
            with transaction.atomic():  # one transaction per batch, not per row
                self.insert_batch(ids)
            done = ids[-1]
            rate = (done - self.size) / (time.perf_counter() - started)
            print(f"  generated {done:>9} people ({rate:,.0f}/s)", end="\r", flush=True)
        print(" " * 60, end="\r")
        if self.pg:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT setval(pg_get_serial_sequence('people_person', 'id'), %s)", [n])
        self.size = n
        return time.perf_counter() - started

    def insert_batch(self, ids: range) -> None:
        rng = self.rng
        now = dt.datetime.now(dt.UTC)
        persons, values, tags, events = [], [], [], []
        d = self.definitions
        for pk in ids:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
            persons.append(
                (
                    pk,
                    rng.choice(FIRST),
                    rng.choice(LAST),
                    f"person{pk}@example.com",
                    "en",
                    rng.choice(ZONES),
                    rng.random() < 0.6,
                    birth,
                    rng.choice(self.companies) if rng.random() < 0.7 else None,
                    now,
                    now,
                )
            )
            if rng.random() < 0.8:
                values.append((pk, d["score"], None, None, rng.randrange(100), None, now))
            if rng.random() < 0.6:
                values.append((pk, d["city"], None, rng.choice(CITIES), None, None, now))
            if rng.random() < 0.5:
                values.append((pk, d["vip"], rng.random() < 0.2, None, None, None, now))
            if rng.random() < 0.3:
                renewal = dt.date.today() + dt.timedelta(days=rng.randrange(-400, 400))
                values.append((pk, d["renewal"], None, None, None, renewal, now))
            for tag in rng.sample(self.tags, rng.choice((0, 1, 1, 2))):
                tags.append((pk, tag))
            if self.event_definition is not None:
                for k in range(rng.choice((0, 1, 1, 2))):
                    at = now - dt.timedelta(minutes=rng.randrange(60 * 24 * 365))
                    events.append((self.event_definition, pk, at, '{"amount": 10}', f"bench-{pk}-{k}", now))
        self.write(
            "people_person",
            [
                "id",
                "first_name",
                "last_name",
                "email",
                "language",
                "timezone",
                "opt_in",
                "birth_date",
                "company_id",
                "created_at",
                "updated_at",
            ],
            persons,
        )
        self.write(
            "people_attributevalue",
            [
                "person_id",
                "definition_id",
                "value_bool",
                "value_text",
                "value_number",
                "value_date",
                "updated_at",
            ],
            values,
        )
        self.write("people_person_tags", ["person_id", "tag_id"], tags)
        if events:
            self.write(
                "people_event",
                ["definition_id", "person_id", "occurred_at", "properties", "idempotency_key", "received_at"],
                events,
            )

    def write(self, table: str, columns: Sequence[str], rows: list[tuple]) -> None:
        if not rows:
            return
        raw = self.connection.connection
        if self.pg:
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (our tables)
        raw.executemany(sql, list(_sqlite_rows(rows)))

    # --- measuring -------------------------------------------------------------------------------

    def analyze(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def measure(self) -> tuple[float, float, int, float]:
        """Best-of-repeat seconds of: COUNT(*), the segment count (and its result), and a COUNT(*)
        that has to read every row."""
        from people.selectors import rules_persons

        Person = self.models["Person"]
        plain = best(lambda: Person.objects.count(), self.repeat)
        segment = best(lambda: rules_persons(self.rules).count(), self.repeat)
        # SQLite answers a bare COUNT(*) from the page headers of its smallest index without reading
        # a row, so the same count over an unindexed column is printed beside it for scale.
        scan = best(lambda: Person.objects.filter(opt_in__in=[True, False]).count(), self.repeat)
        return plain[0], segment[0], segment[1], scan[0]

    def explain(self) -> str:
        from people.selectors import rules_persons

        return rules_persons(self.rules).explain()


def best(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    run()  # warm the cache
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def _sqlite_rows(rows: list[tuple]) -> Iterator[tuple]:
    # The sqlite3 module's default adapters for dates are deprecated; store ISO text as Django does.
    for row in rows:
        yield tuple(
            v.isoformat(sep=" ")
            if isinstance(v, dt.datetime)
            else v.isoformat()
            if isinstance(v, dt.date)
            else v
            for v in row
        )


if __name__ == "__main__":
    main()
