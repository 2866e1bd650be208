"""Benchmark: timer workers waking 100,000 participants that all fall due within one minute.

    .venv/bin/python bench/timers.py [--participants 100000] [--workers N] [--keep] [--database-url URL]

The database is a throwaway one: without a PostgreSQL URL (--database-url, else $DATABASE_URL) a fresh
SQLite file in a temporary folder; with one, a fresh database flowdesigner_bench_timers created on that
server (dropped at the end). --keep leaves either in place. The workers are real processes
(`manage.py worker --only timers`, default 1 on SQLite, 2 on PostgreSQL) and read WORKER_POLL_SECONDS
and TIMER_BATCH_SIZE from the environment like in production, e.g.
`TIMER_BATCH_SIZE=500 .venv/bin/python bench/timers.py`.

Setup (bulk inserts, not timed): persons, one published flow `audience -> wait (duration) -> exit` (no
callback URL), and one participant per person waiting at the wait node, its state copied from what
runtime.start produced for a template participant and its timer (state and wake_at column) moved to a
moment spread uniformly over 60 s, starting a few seconds after setup ends. Each wake is then the real
thing: claim, runtime.wake, history rows, completion.

Figures, from the database once nobody waits any more: per participant, the lateness of its wake, as
"claimed" (left_at of its wait step: the claim's `now`) and "completed" (completed_at: when its batch
processed it, a little before that batch committed) minus its wake_at; p50, p99 and max of each; and
resumes per second (participants / (last completion - first wake_at)). The participants fall due at
N/60 per second, so resumes/s only shows the workers' capacity when they fall behind (lateness grows).
Baseline, measured in the same run on the same rows: one bulk UPDATE of every participant's status,
the floor for one write per participant.
"""

import argparse
import bisect
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import pg_create, pg_drop, stop  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_timers"
SPREAD_SECONDS = 60.0
LEAD_SECONDS = 5.0  # between the end of setup and the first wake_at
BATCH = 20_000
# Provisional timers while setting up: far enough ahead that no worker could claim one.
PROVISIONAL = timedelta(days=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=0, help="default: 1 on SQLite, 2 on PostgreSQL")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument(
        "--spread",
        type=float,
        default=SPREAD_SECONDS,
        help="seconds over which the timers fall due (default 60; 0: all at once, to measure capacity)",
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    pg_server = args.database_url if args.database_url.startswith(("postgres://", "postgresql://")) else ""
    if pg_server:
        os.environ["DATABASE_URL"] = pg_create(pg_server, PG_DATABASE)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    workers = args.workers or (2 if pg_server else 1)
    print(
        f"database: {connection.vendor}; {args.participants} participants, {workers} timer worker(s), "
        f"TIMER_BATCH_SIZE={settings.TIMER_BATCH_SIZE}, WORKER_POLL_SECONDS={settings.WORKER_POLL_SECONDS}",
        flush=True,
    )
    try:
        call_command("migrate", verbosity=0)
        bench = Bench(connection, args.participants, spread=args.spread)
        bench.setup()
        baseline = bench.baseline()
        print(
            f"baseline: bulk UPDATE of {args.participants} participants' status in {baseline:.2f} s "
            f"({args.participants / baseline:,.0f} rows/s)",
            flush=True,
        )
        base = bench.schedule()
        ran = run_workers(bench, workers, base, tmp)
        if ran:
            bench.report(base, baseline)
    finally:
        connection.close()
        if args.keep:
            print(f"kept: {os.environ['DATABASE_URL']}")
        else:
            if pg_server:
                pg_drop(pg_server, PG_DATABASE)
            shutil.rmtree(tmp, ignore_errors=True)


class Bench:
    def __init__(self, connection: Any, n: int, *, spread: float = SPREAD_SECONDS) -> None:
        self.connection = connection
        self.spread = spread
        self.pg = connection.vendor == "postgresql"
        self.n = n
        self.rng = random.Random(4)
        # Seconds after the first wake_at of each participant's timer, by participant id (1..n).
        self.offsets = sorted(self.rng.uniform(0, spread) for _ in range(n))
        self.provisional = datetime.now(UTC)  # the first provisional timer, set by setup()
        self.baseline_seconds = 0.0
        self.wake_at: dict[int, datetime] = {}  # the timers as scheduled, by participant id
        self.due_seconds: list[float] = []
        self.peak = 0.0  # the best 5-s resume rate while the workers were behind

    # --- setup -------------------------------------------------------------------------------------

    def setup(self) -> None:
        from django.db import transaction

        from engine.assets import run_kwargs
        from engine.core import runtime
        from engine.definitions import version_definition
        from engine.models import Participant
        from flowdesigner import services as flow_services
        from people.models import Tag
        from people.selectors import person_snapshots

        started = time.perf_counter()
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        tag = Tag.objects.create(name="bench")
        with transaction.atomic():
            self.insert_persons(now)
        flow = flow_services.flow_create(name="bench timers", definition=definition(tag.pk))
        version = flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)

        # The state the runtime leaves a participant in when it waits at the wait node.
        template = Participant(version=version, person_id=1)
        snapshot = person_snapshots([1])[1]
        result = runtime.start(
            version_definition(version),
            entry_id="audience",
            now=now,
            **run_kwargs(template, snapshot, now),
        )
        state = result.state
        assert state["status"] == "waiting" and state["current"] == "wait", state
        assert state["wait"]["kind"] == "timer", state

        provisional = now + PROVISIONAL
        for first in range(1, self.n + 1, BATCH):
            ids = range(first, min(first + BATCH, self.n + 1))
            with transaction.atomic():
                self.insert_participants(ids, version.pk, state, now, provisional)
            print(f"  created {ids[-1]:>9} participants", end="\r", flush=True)
        print(" " * 40, end="\r")
        if self.pg:
            with self.connection.cursor() as cursor:
                for table in ("people_person", "engine_participant"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)", [self.n])
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.provisional = provisional
        print(
            f"setup: {self.n} persons, participants and {2 * self.n} history rows "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )

    def insert_persons(self, now: datetime) -> None:
        rows = [(pk, f"P{pk}", "Bench", "en", "UTC", True, now, now) for pk in range(1, self.n + 1)]
        columns = ["id", "first_name", "last_name", "language", "timezone", "opt_in", "created_at"]
        self.write("people_person", [*columns, "updated_at"], rows)

    def insert_participants(
        self, ids: range, version_id: int, state: dict, now: datetime, provisional: datetime
    ) -> None:
        participants, steps = [], []
        audience, wait = state["history"]
        for pk in ids:
            wake_at = provisional + timedelta(seconds=self.offsets[pk - 1])
            # Whole milliseconds: the timestamps are moved by SQL later, which keeps milliseconds.
            wake_at = wake_at.replace(microsecond=wake_at.microsecond // 1000 * 1000)
            state["wait"]["wake_at"] = wake_at.isoformat()
            participants.append(
                (
                    pk,
                    uuid.uuid4() if self.pg else uuid.uuid4().hex,
                    version_id,
                    pk,
                    "waiting",
                    "wait",
                    json.dumps(state),
                    "timer",
                    wake_at,
                    "",
                    1,
                    now,
                    now,
                )
            )
            for seq, entry in enumerate((audience, wait)):
                left_at = datetime.fromisoformat(entry["left_at"]) if entry["left_at"] else None
                steps.append((pk, seq, entry["node_id"], entry["type"], now, left_at, entry["exit"] or ""))
        columns = ["id", "uuid", "version_id", "person_id", "status", "current_node", "state"]
        columns += ["wait_kind", "wake_at", "wait_event", "step_count", "created_at", "updated_at"]
        self.write("engine_participant", columns, participants)
        columns = ["participant_id", "seq", "node_id", "node_type", "entered_at", "left_at", "exit_name"]
        self.write("engine_participantstep", columns, steps)

    def write(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        self.connection.ensure_connection()
        raw = self.connection.connection
        if self.pg:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 (our tables)
        raw.executemany(sql, [tuple(_sqlite_value(v) for v in row) for row in rows])

    # --- baseline and schedule ------------------------------------------------------------------

    def baseline(self) -> float:
        """Seconds for one bulk UPDATE of every participant's status (then put back, untimed)."""
        from django.db import transaction

        from engine.models import Participant

        started = time.perf_counter()
        with transaction.atomic():
            Participant.objects.update(status=Participant.Status.ACTIVE)
        self.baseline_seconds = time.perf_counter() - started
        with transaction.atomic():
            Participant.objects.update(status=Participant.Status.WAITING)
        return self.baseline_seconds

    def schedule(self) -> datetime:
        """Move every timer (column and state) so the first falls due a few seconds from now; returns
        that first moment. The move is one bulk UPDATE, about as long as the baseline: allowed for."""
        from django.db import transaction

        started = time.perf_counter()
        first = datetime.now(UTC) + timedelta(seconds=LEAD_SECONDS + 2 * self.baseline_seconds)
        first = first.replace(microsecond=first.microsecond // 1000 * 1000)
        delta = first - self.provisional
        with transaction.atomic(), self.connection.cursor() as cursor:
            if self.pg:
                cursor.execute(
                    "UPDATE engine_participant SET wake_at = wake_at + %s, state = jsonb_set(state, "
                    "'{wait,wake_at}', to_jsonb(to_char((wake_at + %s) AT TIME ZONE 'UTC', "
                    """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')))""",
                    [delta, delta],
                )
            else:
                shift = f"{delta.total_seconds():+.3f} seconds"
                cursor.execute(
                    "UPDATE engine_participant "
                    "SET wake_at = strftime('%%Y-%%m-%%d %%H:%%M:%%f', wake_at, %s), "
                    "state = json_set(state, '$.wait.wake_at', "
                    "strftime('%%Y-%%m-%%dT%%H:%%M:%%f+00:00', wake_at, %s))",
                    [shift, shift],
                )
        slack = (first - datetime.now(UTC)).total_seconds()
        print(
            f"timers moved in {time.perf_counter() - started:.2f} s; the first falls due in {slack:.1f} s, "
            f"the last {self.spread:.0f} s later",
            flush=True,
        )
        if slack < 0:
            print("  WARNING: setup ended after the first timer fell due; early lateness is inflated")
        # The timers as stored (the wake clears wake_at), for the progress and the lateness.
        from engine.models import Participant

        self.wake_at = dict(Participant.objects.values_list("id", "wake_at"))
        self.due_seconds = sorted((at - first).total_seconds() for at in self.wake_at.values())
        return first

    def due(self, first: datetime) -> int:
        """How many timers have fallen due by now."""
        return bisect.bisect_right(self.due_seconds, (datetime.now(UTC) - first).total_seconds())

    # --- progress and report ------------------------------------------------------------------------

    def waiting(self) -> int:
        from engine.models import Participant

        return Participant.objects.filter(status=Participant.Status.WAITING).count()

    def report(self, first: datetime, baseline: float) -> None:
        from django.db.models import Count

        from engine.models import Participant, ParticipantStep

        statuses = dict(Participant.objects.values_list("status").annotate(n=Count("id")))
        rows = list(Participant.objects.values_list("id", "completed_at"))
        left = dict(ParticipantStep.objects.filter(node_id="wait").values_list("participant_id", "left_at"))
        wake = self.wake_at
        completed = [(at - wake[pk]).total_seconds() for pk, at in rows if at is not None]
        claimed = [(at - wake[pk]).total_seconds() for pk, at in left.items() if at is not None]
        last = max(at for _, at in rows if at is not None)
        span = (last - first).total_seconds()
        rate = len(completed) / span
        print(f"statuses: {statuses}")
        print(f"{'lateness (s)':22} {'n':>8} {'p50':>8} {'p99':>8} {'max':>8} {'min':>8}")
        for label, values in [("claimed (left_at)", claimed), ("completed", completed)]:
            values.sort()
            print(
                f"{label:22} {len(values):>8} {pct(values, 50):>8.3f} {pct(values, 99):>8.3f} "
                f"{values[-1]:>8.3f} {values[0]:>8.3f}"
            )
        print(
            f"resumes: {len(completed)} in {span:.1f} s from the first wake_at to the last completion: "
            f"{rate:,.0f}/s"
            + (f" (due at {self.n / self.spread:,.0f}/s)" if self.spread else " (all due at once: capacity)")
        )
        if self.peak:
            print(f"peak over 5 s while behind: {self.peak:,.0f} resumes/s")
        else:
            print("the workers never fell behind for 5 s: their capacity is above the due rate")
        pace = self.peak or rate
        print(
            f"baseline: {self.n / baseline:,.0f} rows/s (bulk status UPDATE, {baseline:.2f} s); "
            f"baseline / {'peak' if self.peak else 'resume'} rate: {self.n / baseline / pace:.0f}x"
        )


def run_workers(bench: Bench, count: int, first: datetime, tmp: str) -> bool:
    """Start the timer workers, print progress until nobody waits, stop them; False if it stalled."""
    from django.conf import settings

    logs = [Path(tmp) / f"worker-{i}.log" for i in range(count)]
    procs = []
    for log in logs:
        with log.open("wb") as out:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "worker", "--only", "timers"],
                    cwd=ROOT,
                    env=os.environ.copy(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group, killed as one if it hangs
                )
            )
    ok = True
    try:
        started = time.monotonic()
        last_woken, last_t, stalled_since, last_backlog = 0, started, started, 0
        # More due than the workers hold in hand: they run at their own pace, not the schedule's.
        behind = settings.TIMER_BATCH_SIZE * count
        while True:
            time.sleep(5)
            waiting = bench.waiting()
            woken = bench.n - waiting
            now = time.monotonic()
            due = bench.due(first)
            rate = (woken - last_woken) / (now - last_t)
            print(
                f"  {now - started:>5.0f} s: due {due:>7}, woken {woken:>7}, backlog {due - woken:>7}, "
                f"{rate:>7,.0f}/s",
                flush=True,
            )
            if min(last_backlog, due - woken) > behind:
                bench.peak = max(bench.peak, rate)
            if not waiting:
                break
            if woken > last_woken:
                stalled_since = now
            elif now - stalled_since > 60 and due == bench.n:
                print("  STALLED: no participant woken for 60 s; stopping")
                ok = False
                break
            dead = [p for p in procs if p.poll() is not None]
            if dead:
                print(f"  a worker exited early (code {dead[0].returncode}); stopping")
                ok = False
                break
            last_woken, last_t, last_backlog = woken, now, due - woken
    finally:
        for proc in procs:
            stop(proc)
        for log in logs:
            text = log.read_text(errors="replace")
            problems = [line for line in text.splitlines() if "Error" in line or "stale timer" in line]
            if problems or not ok:
                print(f"  {log.name}: {len(problems)} error/stale lines; last lines:")
                for line in text.splitlines()[-15:]:
                    print(f"    {line}")
    return ok


def pct(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def definition(tag_id: int) -> dict:
    return {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"tags": [tag_id]},
                "exits": {"next": "wait"},
            },
            {
                "id": "wait",
                "type": "wait",
                "config": {"mode": "duration", "duration": {"amount": 1, "unit": "hours"}},
                "exits": {"next": "done"},
            },
            {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
        ],
    }


def _sqlite_value(value: object) -> object:
    # Django stores aware date-times on SQLite as naive UTC text; string comparisons rely on it.
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


# --- the throwaway PostgreSQL database ------------------------------------------------------------------


if __name__ == "__main__":
    main()
