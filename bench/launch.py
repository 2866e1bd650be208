"""Benchmark: how fast a launch enters people, against a baseline measured in the same run.

    .venv/bin/python bench/launch.py [--people 1000 5000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder (the embedded mode).
The baseline is the cheapest possible launch: bulk-inserting one bare message row per person.
The ratio says what the real launch (participants, engine runs, step history, messages,
batching, the cursor) costs on top of that.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_q.conf import Conf

    from engine import services
    from flowdesigner import services as flow_services
    from flowdesigner.management.commands.demo_data import demo_definition
    from messaging.models import Message
    from people.models import Person, Tag

    Conf.SYNC = False  # queue, don't run: the benchmark runs the launch itself, timed
    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)

    print(f"{'people':>8} {'baseline s':>11} {'launch s':>9} {'people/s':>9} {'ratio':>6}")
    for n in args.people:
        tag = Tag.objects.create(name=f"bench-{n}-{time.time_ns()}")
        people = Person.objects.bulk_create(Person(first_name=f"B{i}") for i in range(n))
        Person.tags.through.objects.bulk_create(
            Person.tags.through(person_id=p.pk, tag_id=tag.pk) for p in people
        )

        started = time.perf_counter()
        Message.objects.bulk_create(
            (Message(person_id=p.pk, direction="out", text="baseline") for p in people), batch_size=500
        )
        baseline = time.perf_counter() - started
        Message.objects.filter(text="baseline").delete()

        flow = flow_services.flow_create(name=f"bench {n}", definition=demo_definition(tag.pk))
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        launch = services.launch_create(version=version, audience=None)
        started = time.perf_counter()
        services.launch_run(launch.pk)
        elapsed = time.perf_counter() - started
        launch.refresh_from_db()
        assert launch.entered == n, f"entered {launch.entered} of {n}"
        print(
            f"{n:>8} {baseline:>11.3f} {elapsed:>9.3f} {n / elapsed:>9.0f} {elapsed / baseline:>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
