"""Benchmark: CSV import of persons, rows per second, next to a bare bulk_create measured in the same run.

    .venv/bin/python bench/imports.py [--rows 100000] [--database-url URL] [--batch 1000]

Without --database-url it uses a fresh SQLite file in a temporary folder (the embedded mode); with a
PostgreSQL URL it uses that (empty) database, migrating it first and emptying the people tables.

The CSV has 11 columns (names, email, phone, external id, language, timezone, opt-in, birth date, a
company out of 50, and two custom attributes: score, a whole NUMBER, and city, TEXT); 1% of the rows
are invalid (a bad phone or email) and get rejected. It is imported through the real task function
(people.tasks.person_import_run) with the upsert key email and one tag, three times:

- baseline: `Person.objects.bulk_create` of the same number of persons in batches of --batch, nothing
  else (no validation, attributes, tags, change log);
- import (create): every valid row creates a person, with its custom attributes, the tag and the
  change events (the PersonChange log written, subscribers called after each batch commits);
- import (update): the same file again: every valid row matches its person, nothing differs, so only
  the reads, the comparisons and the tag check are paid;
- import (change): a file with the same identifiers and other values (names, language, zone, company,
  score, …): every valid row updates its person, with the change events of what differs.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONES = ["UTC", "Europe/Brussels", "America/New_York", "Asia/Tokyo", "Europe/London"]
CITIES = ["Brussels", "Ghent", "Antwerp", "Liège", "Paris", "Berlin", "Lisbon", "Madrid"]
FIRST = ["Ann", "Bob", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jan", "Kim", "Lea"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"]
HEADER = "first_name,last_name,email,phone,external_id,language,timezone,opt_in,birth_date,company,score,city"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection

    from people.models import AttributeDefinition, Person, PersonChange, PersonImport, Tag
    from people.tasks import person_import_run

    settings.IMPORT_BATCH_SIZE = args.batch
    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    reset(connection)
    AttributeDefinition.objects.create(key="score", label="Score", data_type="NUMBER", number_kind="whole")
    AttributeDefinition.objects.create(key="city", label="City", data_type="TEXT")
    tag = Tag.objects.create(name="imported")

    path = Path(tmp) / "people.csv"
    started = time.perf_counter()
    bad = write_csv(path, args.rows)
    print(
        f"generated {args.rows} rows ({path.stat().st_size / 1e6:.1f} MB, {bad} invalid) "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )

    # Baseline: the same number of bare persons, bulk-inserted, then removed.
    started = time.perf_counter()
    for start in range(0, args.rows, args.batch):
        Person.objects.bulk_create(
            Person(first_name="B", email=f"baseline{i}@example.com")
            for i in range(start, min(start + args.batch, args.rows))
        )
    baseline = time.perf_counter() - started
    reset_persons(connection)

    def import_once() -> tuple[float, PersonImport]:
        with path.open("rb") as handle:
            person_import = PersonImport(
                original_name="people.csv",
                size=path.stat().st_size,
                encoding="utf-8-sig",
                delimiter=",",
                status=PersonImport.Status.QUEUED,
                mapping=HEADER.split(","),
                upsert_key="email",
            )
            person_import.file.save("people.csv", File(handle), save=True)
        person_import.tags.set([tag])
        started = time.perf_counter()
        person_import_run(person_import.pk)
        elapsed = time.perf_counter() - started
        person_import.refresh_from_db()
        assert person_import.status == "done", person_import.error
        return elapsed, person_import

    created_s, first = import_once()
    changes_logged = PersonChange.objects.count()
    updated_s, second = import_once()
    write_csv(path, args.rows, seed=5)
    changed_s, third = import_once()
    rate = args.rows / baseline
    print(f"{'':24} {'rows':>8} {'seconds':>8} {'rows/s':>9} {'x baseline':>10}")
    print(f"{'baseline bulk_create':24} {args.rows:>8} {baseline:>8.1f} {rate:>9.0f} {1:>10.1f}")
    for label, seconds, imp in [
        ("import (create)", created_s, first),
        ("import (update)", updated_s, second),
        ("import (change)", changed_s, third),
    ]:
        per_second = args.rows / seconds
        print(
            f"{label:24} {args.rows:>8} {seconds:>8.1f} {per_second:>9.0f} {seconds / baseline:>10.1f}"
            f"   created {imp.created}, updated {imp.updated}, rejected {imp.rejected}"
        )
    print(f"change log rows written by the first import: {changes_logged}")


def write_csv(path: Path, rows: int, *, seed: int = 4) -> int:
    rng = random.Random(seed)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\n")
        for i in range(rows):
            email, phone = f"person{i}@example.com", f"+3247{i:07d}"
            if i % 100 == 99:
                bad += 1
                if i % 200 == 199:
                    phone = "12"
                else:
                    email = "not-an-email"
            out.write(
                f"{rng.choice(FIRST)},{rng.choice(LAST)},{email},{phone},ext-{i},"
                f"{rng.choice(['en', 'nl', 'fr'])},{rng.choice(ZONES)},{rng.choice(['yes', 'no'])},"
                f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"Company {rng.randrange(50)},{rng.randrange(100)},{rng.choice(CITIES)}\n"
            )
    return bad


def reset(connection) -> None:
    from people import models

    tables = [
        models.PersonImportRejection,
        models.PersonImport.tags.through,
        models.PersonImport,
        models.PersonChange,
        models.Event,
        models.EventDefinition,
        models.AttributeListItem,
        models.AttributeValue,
        models.Person.tags.through,
        models.Person,
        models.Segment,
        models.Tag,
        models.Company,
        models.AttributeDefinition,
    ]
    _empty(connection, tables)


def reset_persons(connection) -> None:
    from people import models

    _empty(
        connection, [models.PersonChange, models.Person.tags.through, models.AttributeValue, models.Person]
    )


def _empty(connection, tables) -> None:
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for model in tables:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"TRUNCATE {table} CASCADE" if pg else f"DELETE FROM {table}")  # noqa: S608 (our tables)


if __name__ == "__main__":
    main()
