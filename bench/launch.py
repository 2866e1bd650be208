"""Benchmark: how fast a launch enters people, beside the floor of writing the same rows.

    .venv/bin/python bench/launch.py [--people 10000 100000] [--elements 5 1000] [--runs 3]
                                     [--database-url URL] [--keep] [--profile]

The database is a throwaway one: without a PostgreSQL URL (--database-url, else $DATABASE_URL) a fresh
SQLite file in a temporary folder (the embedded mode); with one, a fresh database flowdesigner_bench_launch
on that server (dropped at the end unless --keep).

For each flow size (5 elements: the demo flow; 1,000: a chain of message steps) and audience size, each
run launches the flow to a tag of that many new persons and runs the launch to its end in this process,
slice after slice, exactly as the worker does (`launch_run`), timed. The floor, measured right after on
the same rows: the participants, their step history and their messages that launch wrote, read back and
inserted again as plain tuples with the bulk writer the product uses (people/bulk.py: multi-row INSERT
on SQLite, COPY or UNNEST on PostgreSQL), in transactions of LAUNCH_BATCH_SIZE persons like the launch,
participants first with their new ids returned. The ratio launch / floor is what everything else costs:
reading the audience, the re-entry and frequency-cap checks, running the core for each person, the
outbox events, the reports' counters and pushing the messages.

Figures: min / median over the runs of people per second, launch and floor, and the ratio of the medians.
--profile prints the launch's top functions (cProfile) for the first run of each size.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import chain_definition, pg_create, pg_drop  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_launch"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--elements", type=int, nargs="+", default=[5, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    postgres = args.database_url.startswith("postgres")
    if postgres:
        os.environ["DATABASE_URL"] = pg_create(args.database_url, PG_DATABASE)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_q.conf import Conf

    Conf.SYNC = False  # queue, don't run: the benchmark runs the launch itself, timed
    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    try:
        print(
            f"{'elements':>8} {'people':>8} {'launch people/s min/med':>24} "
            f"{'floor people/s min/med':>23} {'ratio':>6}",
            flush=True,
        )
        for elements in args.elements:
            for n in args.people:
                launch_rates, floor_rates = [], []
                for run in range(args.runs):
                    launch_s, floor_s = one_run(elements, n, profile=args.profile and run == 0)
                    launch_rates.append(n / launch_s)
                    floor_rates.append(n / floor_s)
                    print(
                        f"  run {run + 1}: launch {n / launch_s:,.0f}/s, floor {n / floor_s:,.0f}/s",
                        flush=True,
                    )
                ratio = statistics.median(floor_rates) / statistics.median(launch_rates)
                print(
                    f"{elements:>8} {n:>8} "
                    f"{min(launch_rates):>11,.0f} / {statistics.median(launch_rates):<10,.0f} "
                    f"{min(floor_rates):>10,.0f} / {statistics.median(floor_rates):<10,.0f} {ratio:>6.1f}",
                    flush=True,
                )
    finally:
        connection.close()
        if postgres and not args.keep:
            pg_drop(args.database_url, PG_DATABASE)


def one_run(elements: int, n: int, *, profile: bool) -> tuple[float, float]:
    """Launch a flow of `elements` to `n` new persons; (launch seconds, floor seconds)."""
    from engine import services
    from engine.models import Launch
    from flowdesigner import services as flow_services
    from flowdesigner.management.commands.demo_data import demo_definition
    from people import bulk
    from people.models import Person, Tag

    tag = Tag.objects.create(name=f"bench-{n}-{time.time_ns()}")
    first = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    Person.objects.bulk_create((Person(first_name=f"B{i}") for i in range(n)), batch_size=5_000)
    ids = list(Person.objects.filter(pk__gte=first).values_list("pk", flat=True))
    through = Person.tags.through
    for start in range(0, n, 10_000):
        bulk.insert(through, ["person", "tag"], [(pk, tag.pk) for pk in ids[start : start + 10_000]])

    definition = demo_definition(tag.pk) if elements == 5 else chain_definition(elements, tag.pk)
    flow = flow_services.flow_create(name=f"bench {elements} x {n}", definition=definition)
    version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    launch = services.launch_create(version=version, audience=None)

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    while Launch.objects.filter(pk=launch.pk).values_list("status", flat=True)[0] != Launch.Status.DONE:
        services.launch_run(launch.pk)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    launch.refresh_from_db()
    assert launch.entered == n, f"entered {launch.entered} of {n}"
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(45)
    return elapsed, floor(launch.pk, version)


def floor(launch_id: int, version) -> float:
    """Seconds to insert again, as tuples, the participants, steps and messages the launch wrote."""
    from django.conf import settings
    from django.db import transaction

    from engine.models import Launch, Participant, ParticipantStep
    from messaging.models import Message
    from people import bulk

    def columns(model, skip=()) -> list[str]:
        return [f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip]

    p_fields = columns(Participant, skip=("launch_id", "uuid"))
    s_fields = columns(ParticipantStep, skip=("participant_id",))
    m_fields = columns(Message, skip=("participant_id",))
    participants = list(
        Participant.objects.filter(launch_id=launch_id).order_by("pk").values_list("pk", *p_fields)
    )
    steps: dict[int, list] = {}
    for row in ParticipantStep.objects.filter(participant__launch_id=launch_id).values_list(
        "participant_id", *s_fields
    ):
        steps.setdefault(row[0], []).append(row[1:])
    messages: dict[int, list] = {}
    for row in Message.objects.filter(participant__launch_id=launch_id).values_list(
        "participant_id", *m_fields
    ):
        messages.setdefault(row[0], []).append(row[1:])
    copy = Launch.objects.create(version=version, audience={"persons": []})

    import uuid

    batch = settings.LAUNCH_BATCH_SIZE
    started = time.perf_counter()
    for start in range(0, len(participants), batch):
        chunk = participants[start : start + batch]
        with transaction.atomic():
            new_ids = bulk.insert(
                Participant,
                ["launch_id", "uuid", *p_fields],
                [(copy.pk, uuid.uuid4(), *row[1:]) for row in chunk],
                returning="id",
            )
            step_rows, message_rows = [], []
            for (old_id, *_), new_id in zip(chunk, new_ids, strict=True):
                step_rows += [(new_id, *row) for row in steps.get(old_id, ())]
                message_rows += [(new_id, *row) for row in messages.get(old_id, ())]
            bulk.insert(ParticipantStep, ["participant_id", *s_fields], step_rows)
            bulk.insert(Message, ["participant_id", *m_fields], message_rows)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
