"""Benchmark: 100 active triggers of mixed kinds over up to 1,000,000 persons.

    .venv/bin/python bench/triggers.py [--people 100000 1000000] [--database-url URL] [--keep]
                                       [--samples 2000] [--rate 20] [--seconds 20] [--burst 3000]

The database is a throwaway one: a fresh SQLite file in a temporary folder, or with a PostgreSQL URL
(--database-url, else $DATABASE_URL) a fresh database flowdesigner_bench_triggers on that server.
People are generated as by bench/segments.py (attributes, 0-2 of 20 tags, "purchase" events).

Triggers (each one published, active flow: entry -> message -> exit): 25 Predefined Audiences in real
time (one tag each), 25 Change in People profile (score >= n, city is X, vip is true), 25 People
real-time events ("purchase" happened at least n times within 7 days), 25 Date or Time ("renewal is in
n days"; only the time sweep starts them).

Figures, each beside a baseline measured in the same run:
1. Deciding which triggers fire for one change (engine.triggers.changes_decide on one random change:
   a score change, a tag added or a purchase), p50/p99 over --samples changes, at each population size;
   baseline: one primary-key lookup of the person. Goal: p99 <= 5 ms, flat as persons grow.
2. Latency from a committed change to the participant's entry, through a real worker process
   (`manage.py worker`), at --rate changes per second for --seconds (each change adds an audience tag
   to someone who does not have it, so each one enters someone): p50/p99 of participant.created_at
   minus the commit time.
3. Changes absorbed per second: --burst city changes (decided by the city triggers, entering nobody)
   written while the workers are stopped, then handled by them (first to last handled); baseline: the
   same burst with no active trigger.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import pg_create, pg_drop, start, stop  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_triggers"
PER_KIND = 25


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--burst", type=int, default=3000)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-triggers-")
    pg_server = args.database_url if args.database_url.startswith("postgres") else ""
    if pg_server:
        os.environ["DATABASE_URL"] = pg_create(pg_server, PG_DATABASE)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    os.environ["TRIGGER_SWEEP_SECONDS"] = "3600"  # the Date or Time sweep is not what is measured here
    try:
        run(args, tmp)
    finally:
        if not args.keep:
            if pg_server:
                pg_drop(pg_server, PG_DATABASE)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: {os.environ['DATABASE_URL']}")


def run(args, tmp: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from segments import Bench

    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    people = Bench(connection, repeat=1)
    people.reset()
    flows = make_triggers(people)
    print(f"{len(flows)} active flows with triggers", flush=True)
    print(f"{'people':>9} {'decide p50 ms':>14} {'p99 ms':>8} {'pk lookup p50':>14} {'p99':>7} {'fired':>6}")
    for n in sorted(args.people):
        people.grow_to(n)
        people.analyze()
        decide, lookup, fired = measure_decisions(people, n, args.samples)
        print(
            f"{n:>9} {pct(decide, 50):>14.3f} {pct(decide, 99):>8.3f} {pct(lookup, 50):>14.3f} "
            f"{pct(lookup, 99):>7.3f} {fired:>6}",
            flush=True,
        )
    n = max(args.people)
    workers = 2 if connection.vendor == "postgresql" else 1
    latencies = measure_latency(people, n, rate=args.rate, seconds=args.seconds, workers=workers, tmp=tmp)
    print(
        f"change -> entry through {workers} worker(s) at {args.rate:g}/s: "
        f"p50 {pct(latencies, 50):.3f} s, p99 {pct(latencies, 99):.3f} s, max {max(latencies):.3f} s "
        f"({len(latencies)} entries)",
        flush=True,
    )
    with_triggers = measure_burst(n, args.burst, workers=workers, tmp=tmp, seed=13)
    pause_all(flows)
    without = measure_burst(n, args.burst, workers=workers, tmp=tmp, seed=14)
    print(
        f"burst of {args.burst} changes: {with_triggers:,.0f} changes/s with 100 triggers, "
        f"{without:,.0f}/s with none (ratio {without / with_triggers:.2f})",
        flush=True,
    )


# --- setup -----------------------------------------------------------------------------------------------


def flow_doc(entry_type: str, config: dict) -> dict:
    return {
        "spec_version": 1,
        "nodes": [
            {"id": "entry", "type": entry_type, "config": config, "exits": {"next": "hello"}},
            {
                "id": "hello",
                "type": "message",
                "config": {"text": "Hello", "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }


def make_triggers(people) -> list[int]:
    from engine import activation
    from flowdesigner import services as flow_services

    configs = []
    for i in range(PER_KIND):
        configs.append(
            ("predefined_audience", {"tags": [people.tags[i % len(people.tags)]], "update": "realtime"})
        )
        rules = [
            {"attribute": "score", "operator": "gte", "value": 50 + i},
            {"attribute": "city", "operator": "is", "value": ["Brussels", "Ghent", "Paris"][i % 3]},
            {"attribute": "vip", "operator": "is", "value": True},
        ][i % 3]
        configs.append(("profile_change", {"rules": {"op": "and", "rules": [rules]}}))
        condition = {
            "event": "purchase",
            "operator": "happened",
            "within": {"amount": 7, "unit": "days"},
            "count": {"operator": "gte", "value": 1 + i % 3},
        }
        configs.append(("people_event", {"conditions": [condition]}))
        offset = {"amount": 1 + i, "unit": "days"}
        configs.append(("date_time", {"attribute": "renewal", "operator": "is_in", "offset": offset}))
    flows = []
    for entry_type, config in configs:
        flow = flow_services.flow_create(name=f"bench {entry_type}", definition=flow_doc(entry_type, config))
        flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        activation.flow_activate(flow_id=flow.pk)
        flows.append(flow.pk)
    return flows


def pause_all(flows: list[int]) -> None:
    from engine import activation

    for flow_id in flows:
        activation.flow_pause(flow_id=flow_id)


# --- 1. deciding -----------------------------------------------------------------------------------------


def measure_decisions(people, n: int, samples: int) -> tuple[list[float], list[float], int]:
    """Time changes_decide on one change at a time, and a pk lookup of the same person."""
    from django.utils import timezone

    from engine import triggers
    from people import changes
    from people.models import Event, Person

    rng = random.Random(7)
    now = timezone.now()
    event_ids = list(Event.objects.order_by("?").values_list("pk", "person_id", "occurred_at")[:samples])
    decide, lookup, fired = [], [], 0
    triggers.changes_decide([], now=now)  # load the index once, as a running worker has it
    for i in range(samples):
        person_id = rng.randrange(1, n + 1)
        kind = i % 3
        if kind == 0:
            change = changes.AttributeChanged(person_id=person_id, at=now, key="score", old=10, new=90)
        elif kind == 1:
            tag = rng.choice(people.tags)
            change = changes.TagAdded(person_id=person_id, at=now, tag_id=tag, tag=f"tag{tag}")
        else:
            # A purchase arriving now (a stored one's id, as the decision reads it), so every event
            # trigger asks the database (an event from before the flow became active would not).
            event_id, person_id, _ = event_ids[i % len(event_ids)]
            change = changes.EventRecorded(
                person_id=person_id,
                at=now,
                event_id=event_id,
                event="purchase",
                occurred_at=now,
                properties={"amount": 10},
            )
        started = time.perf_counter()
        found = triggers.changes_decide([change], now=now)
        decide.append((time.perf_counter() - started) * 1000)
        fired += sum(len(f) for f in found.values())
        started = time.perf_counter()
        Person.objects.filter(pk=person_id).exists()
        lookup.append((time.perf_counter() - started) * 1000)
    return decide, lookup, fired


# --- 2. latency through a worker -------------------------------------------------------------------------


def measure_latency(people, n: int, *, rate: float, seconds: float, workers: int, tmp: str) -> list[float]:
    from django.db import transaction

    from engine.models import Participant
    from people import services as people_services
    from people.models import Person, Tag

    rng = random.Random(11)
    tag = Tag.objects.get(pk=people.tags[0])
    procs = start_workers(workers, tmp)
    committed: dict[int, float] = {}
    try:
        time.sleep(2)  # let the workers start
        interval = 1 / rate
        deadline = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < deadline:
            person = Person.objects.filter(pk=rng.randrange(1, n + 1)).exclude(tags=tag).first()
            if person is None or person.pk in committed:
                continue
            with transaction.atomic():
                people_services.person_tags_add(person=person, tags=[tag])
            committed[person.pk] = time.time()
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        waited = time.monotonic() + 60
        while time.monotonic() < waited:
            entered = Participant.objects.filter(person_id__in=list(committed)).count()
            if entered >= len(committed):
                break
            time.sleep(0.5)
    finally:
        for proc in procs:
            stop(proc)
    rows = Participant.objects.filter(person_id__in=list(committed)).values_list("person_id", "created_at")
    return [created.timestamp() - committed[person_id] for person_id, created in rows]


# --- 3. burst --------------------------------------------------------------------------------------------


def measure_burst(n: int, burst: int, *, workers: int, tmp: str, seed: int) -> float:
    """Write `burst` city changes (one outbox event each) with no worker running, then let the workers
    drain them. Changes per second, from the first event handled to the last (worker start-up is not
    counted)."""
    from django.db import transaction
    from django.db.models import Max, Min

    from people import services as people_services
    from people.models import Person
    from people.outbox.models import OutboxEvent

    rng = random.Random(seed)
    ids = rng.sample(range(1, n + 1), burst)
    first = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for i, person_id in enumerate(ids):
        person = Person.objects.get(pk=person_id)
        with transaction.atomic():
            # A city no trigger asks for: every change is decided by the city triggers, none enters anyone,
            # so the figure is what deciding costs the workers (entering is bench/launch.py's business).
            city = ["Lisbon", "Madrid", "Berlin"][(seed + i) % 3]
            people_services.person_set_attributes(person=person, values={"city": city})
        if i % 500 == 0:
            print(f"  writing changes {i}/{burst}", end="\r", flush=True)
    pending = OutboxEvent.objects.filter(pk__gt=first, done_at__isnull=True)
    total = pending.count()
    procs = start_workers(workers, tmp)
    try:
        while pending.exists():
            time.sleep(0.5)
            print(f"  handled {total - pending.count()}/{total}", end="\r", flush=True)
    finally:
        for proc in procs:
            stop(proc)
    print(" " * 60, end="\r")
    done = OutboxEvent.objects.filter(pk__gt=first).aggregate(first=Min("done_at"), last=Max("done_at"))
    return total / max((done["last"] - done["first"]).total_seconds(), 1e-3)


# --- workers ---------------------------------------------------------------------------------------------


def start_workers(count: int, tmp: str) -> list[subprocess.Popen]:
    command = [sys.executable, "manage.py", "worker", "--only", "outbox"]
    return [start(command, cwd=ROOT, log=Path(tmp) / f"worker-{i}.log") for i in range(count)]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


if __name__ == "__main__":
    main()
