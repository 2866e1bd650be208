"""Benchmark: end users answering their inbox through real daphne and worker processes, beside a trivial
authenticated GET measured in the same run.

    .venv/bin/python bench/answers.py [--quick] [--runs 3] [--database-url URL --redis-url URL] [--keep]
                                      [--only throughput,cpu,latency,size] [--web-workers 1]

The database is a throwaway one: without --database-url a fresh SQLite file in a temporary folder (the
embedded mode: channels-lite layer); with a PostgreSQL URL a fresh database flowdesigner_bench_answers on
that server (dropped at the end unless --keep), with --redis-url as the channel layer (scale mode).

The servers are `manage.py serve` on 127.0.0.1: --web-workers daphnes sharing the port (WEB_WORKERS), the
engine worker and the qcluster. The client is this process (aiohttp): end users (users with the enduser role,
each with a person and a session made in the database) each holding an open inbox websocket (/ws/inbox/)
and answering over HTTP as the inbox does (session cookie, CSRF cookie and X-CSRFToken header).

Each run launches a fresh flow (a chain of message steps, each with two buttons and a templated text) to
the persons it uses and waits for their first messages on their sockets. Everyone's first answer is a
warm-up (it loads the new version's definition into daphne) and is not counted. Then each client answers
its person's current message (POST /api/inbox/messages/{id}/answer/) and waits for the next message on
the socket, in a loop; a client with several persons takes them one after the other.

- answers/s at 1, 16 and 64 concurrent clients (closed loop);
- server CPU per answer: CPU time (user + system, psutil) of all of serve's processes from the
  start of the answers until the servers are idle again (the worker's follow-up work included), divided by
  the answers; beside the same for GET /api/inbox/pokes/ (an end user's list of services: session, user,
  role and one empty query; the most trivial authenticated endpoint there is), 16 clients;
- answer-to-socket latency p50/p99 at a fixed offered load (default 100 answers/s, open loop: an answer is
  sent every 1/rate s, by the next person whose message is there; one that finds nobody ready is counted
  as skipped): from sending the answer to the next message arriving on the person's socket;
- the answer's server CPU on a 1,000-element flow against a 5-element one (the same people, 16 clients).

Every figure is the min / median of --runs runs. Idle servers use CPU too (the worker polls the outbox,
the embedded layer polls its table for every open socket): that rate is measured before the runs, and the
CPU figures are net of it (the servers' CPU over a run less the idle rate times the run's length); the
CPU ratio is also printed with it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import chain_definition, pg_drop, start, stop, use_databases  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_answers"
MAX_ANSWERS_PER_PERSON = 20  # longer chains would grow each participant's state (its step history)
TARGET_CPU_RATIO = 2.0  # server CPU per answer / per trivial GET (issue 14)
TARGET_SIZE_RATIO = 1.5  # answer on a 1,000-element flow / on a 5-element one
TARGET_P99_MS = {"sqlite": 150.0, "postgresql": 50.0}


# --- the flow -------------------------------------------------------------------------------------------


def launch(elements: int, person_ids: list[int]) -> None:
    """Publish a new flow of `elements` elements and launch it to these persons (the worker runs it)."""
    from engine.services import launch_create
    from flowdesigner.services import flow_create, flow_publish
    from people.models import Tag

    # The flow's own audience (a tag nobody has) is only there to make it publishable.
    tag, _ = Tag.objects.get_or_create(name="bench-answers")
    definition = chain_definition(elements, tag.pk)
    flow = flow_create(name=f"bench {elements} {time.time_ns()}", definition=definition)
    version = flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
    launch_create(version=version, audience={"persons": person_ids})


def last_message_id() -> int:
    from messaging.models import Message

    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- end users --------------------------------------------------------------------------------------------


def endusers_create(count: int) -> list[tuple[int, str]]:
    """`count` users with the enduser role, each with a person and a logged-in session: (person id,
    session key)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    from people.models import Person

    User = get_user_model()
    group, _ = Group.objects.get_or_create(name="enduser")
    password = make_password(secrets.token_urlsafe(16))  # hashed once: nobody logs in with it
    stamp = time.time_ns()
    users = User.objects.bulk_create(
        User(username=f"bench-{stamp}-{i}", password=password) for i in range(count)
    )
    group.user_set.add(*users)
    persons = Person.objects.bulk_create(
        Person(first_name=f"Bench{i}", last_name="User", user=user) for i, user in enumerate(users)
    )
    out = []
    for user, person in zip(users, persons, strict=True):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "flowdesigner.auth.UserWithPersonBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out.append((person.pk, session.session_key))
    return out


@dataclass
class EndUser:
    """One person's client: a keep-alive HTTP session and an open inbox websocket."""

    person_id: int
    session_key: str
    base: str
    http: object = None
    ws: object = None
    reader: asyncio.Task | None = None
    # (arrival time, message) of new unanswered messages from the socket, in arrival order
    arrived: asyncio.Queue = field(default_factory=asyncio.Queue)
    current: dict | None = None
    missed: int = 0  # pushes that did not come (the message was read from the API)
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))  # 32 characters: a CSRF secret

    async def open(self) -> None:
        import aiohttp

        cookie = f"sessionid={self.session_key}; csrftoken={self.csrf}"
        self.http = aiohttp.ClientSession(
            self.base,
            headers={"Cookie": cookie, "X-CSRFToken": self.csrf},
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=2),
        )
        # The origin check of the websocket route wants the page's own origin, as a browser sends it.
        self.ws = await self.http.ws_connect("/ws/inbox/", headers={"Origin": self.base}, heartbeat=None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        import aiohttp

        async for frame in self.ws:
            if frame.type != aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.perf_counter()
            data = json.loads(frame.data)
            message = data.get("message") if data.get("type") == "message" else None
            if message and message["direction"] == "out" and message["answered_at"] is None:
                self.arrived.put_nowait((arrived, message))
        self.arrived.put_nowait((time.perf_counter(), None))  # closed: wakes a waiting client

    async def next_message(self, timeout: float = 15.0) -> float | None:
        """Wait for a message newer than the current one on the socket and make it current; its arrival
        time. A push that does not come within `timeout` is counted as missed and the message is read
        from the inbox API instead (None)."""
        after = self.current["id"] if self.current else 0
        deadline = time.monotonic() + timeout
        while True:
            try:
                arrived, message = await asyncio.wait_for(self.arrived.get(), deadline - time.monotonic())
            except TimeoutError:
                break
            if message is None:
                raise SystemExit(
                    f"person {self.person_id}: the inbox websocket closed ({self.ws.close_code})"
                )
            if message["id"] > after:
                self.current = message
                return arrived
        self.missed += 1
        async with self.http.get("/api/inbox/messages/") as response:
            messages = await response.json()
        waiting = [
            m for m in messages if m["direction"] == "out" and m["id"] > after and not m["answered_at"]
        ]
        if not waiting:
            raise SystemExit(f"person {self.person_id}: no new message after {after} within {timeout:g} s")
        self.current = waiting[-1]
        return None

    async def answer(self) -> None:
        message = self.current
        async with self.http.post(
            f"/api/inbox/messages/{message['id']}/answer/", json={"button_id": message["buttons"][0]["id"]}
        ) as response:
            if response.status != 200:
                raise SystemExit(f"answer: HTTP {response.status}: {(await response.text())[:300]}")
            await response.read()

    async def get(self, path: str) -> None:
        async with self.http.get(path) as response:
            if response.status != 200:
                raise SystemExit(f"GET {path}: HTTP {response.status}: {(await response.text())[:300]}")
            await response.read()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)
        if self.http is not None:
            await self.http.close()


# --- server CPU ---------------------------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds (user + system) used by the server processes, by role ("web": the daphnes; "worker":
    the engine worker and the qcluster)."""

    def __init__(self, roles: dict[str, list[int]]) -> None:
        import psutil

        self.roles = {role: [psutil.Process(pid) for pid in pids] for role, pids in roles.items()}

    def by_role(self) -> dict[str, float]:
        return {
            role: sum(t.user + t.system for t in (p.cpu_times() for p in processes))
            for role, processes in self.roles.items()
        }

    def seconds(self) -> float:
        return sum(self.by_role().values())

    def start(self) -> tuple[dict[str, float], float]:
        return self.by_role(), time.perf_counter()

    def used(self, started: tuple[dict[str, float], float], idle_rate: float) -> tuple[float, float, dict]:
        """(CPU s since `started` less the idle servers' share of that time, the whole CPU s, the whole CPU
        s by role)."""
        now = self.by_role()
        by_role = {role: now[role] - started[0][role] for role in now}
        raw = sum(by_role.values())
        return raw - idle_rate * (time.perf_counter() - started[1]), raw, by_role

    async def idle_rate(self, seconds: float = 2.0) -> float:
        """CPU seconds per second of idle servers."""
        before = self.seconds()
        await asyncio.sleep(seconds)
        return (self.seconds() - before) / seconds

    async def until_idle(self, idle_rate: float, *, step: float = 0.3, limit: float = 10.0) -> None:
        """Wait until the servers use no more than their idle rate (plus a little) for one step."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            before = self.seconds()
            await asyncio.sleep(step)
            if self.seconds() - before <= idle_rate * step + 0.01:
                return


# --- the phases -----------------------------------------------------------------------------------------


@dataclass
class Measured:
    """One run: `count` requests in `elapsed` s; `cpu`: the servers' CPU s over the run and until they were
    idle again, less what idle servers use in as long (`raw_cpu` with it; `by_role` the latter by role)."""

    count: int
    elapsed: float
    cpu: float
    raw_cpu: float
    by_role: dict[str, float]
    latencies: list[float] = field(default_factory=list)
    skipped: int = 0
    missed: int = 0


class Bench:
    def __init__(self, users: list[EndUser], cpu: ServerCpu, idle: float) -> None:
        self.users = users
        self.cpu = cpu
        self.idle = idle

    async def prepared(self, persons: list[EndUser], elements: int) -> None:
        """Launch a fresh flow to `persons`, wait for their first messages, answer them (the warm-up),
        wait for the second ones, and for the servers to be idle."""
        from asgiref.sync import sync_to_async

        last = await sync_to_async(last_message_id, thread_sensitive=True)()
        for user in persons:
            user.current = {"id": last}  # a late push of an earlier run is not this run's message
            while not user.arrived.empty():
                user.arrived.get_nowait()
        await sync_to_async(launch, thread_sensitive=True)(elements, [u.person_id for u in persons])
        await asyncio.gather(*(u.next_message() for u in persons))

        async def warm(user: EndUser) -> None:
            await user.answer()
            await user.next_message()

        await asyncio.gather(*(warm(u) for u in persons))
        await self.cpu.until_idle(self.idle)

    async def closed_loop(self, clients: int, persons: int, answers: int, elements: int) -> Measured:
        """`clients` concurrent clients answer `answers` messages for each of `persons` persons (spread over
        the clients), each waiting for the next message on the socket before answering it."""
        chosen = self.users[:persons]
        await self.prepared(chosen, elements)
        latencies: list[float] = []

        async def client(mine: list[EndUser]) -> None:
            for user in mine:
                for k in range(answers):
                    sent = time.perf_counter()
                    await user.answer()
                    if k < answers - 1:
                        arrived = await user.next_message()
                        if arrived is not None:
                            latencies.append(arrived - sent)

        missed = sum(u.missed for u in chosen)
        started = self.cpu.start()
        await asyncio.gather(*(client(chosen[i::clients]) for i in range(clients)))
        elapsed = time.perf_counter() - started[1]
        await self.cpu.until_idle(self.idle)
        missed = sum(u.missed for u in chosen) - missed
        return Measured(
            persons * answers, elapsed, *self.cpu.used(started, self.idle), latencies, missed=missed
        )

    async def gets(self, clients: int, count: int, path: str) -> Measured:
        """`clients` concurrent clients make `count` GETs of `path` in all."""
        per = count // clients

        async def client(user: EndUser) -> None:
            for _ in range(per):
                await user.get(path)

        await asyncio.gather(*(client(u) for u in self.users[:clients]))  # warm-up (connections)
        await self.cpu.until_idle(self.idle)
        started = self.cpu.start()
        await asyncio.gather(*(client(u) for u in self.users[:clients]))
        elapsed = time.perf_counter() - started[1]
        await self.cpu.until_idle(self.idle)
        return Measured(per * clients, elapsed, *self.cpu.used(started, self.idle))

    async def open_loop(self, rate: float, seconds: float, persons: int) -> Measured:
        """Answers sent every 1/rate s for `seconds`, each by the next person whose message is there."""
        total = int(rate * seconds)
        answers = math.ceil(total / persons) + 3  # answers one person may give at most
        chosen = self.users[:persons]
        await self.prepared(chosen, answers + 4)  # the warm-up's message, and the last one has a next
        ready = deque(range(persons))
        given = dict.fromkeys(range(persons), 0)
        latencies: list[float] = []
        skipped = 0
        tasks = set()

        async def one(index: int) -> None:
            user = chosen[index]
            sent = time.perf_counter()
            await user.answer()
            arrived = await user.next_message()
            if arrived is not None:
                latencies.append(arrived - sent)
            given[index] += 1
            if given[index] < answers:
                ready.append(index)

        missed = sum(u.missed for u in chosen)
        started = self.cpu.start()
        t0 = started[1]
        for k in range(total):
            delay = t0 + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if not ready:
                skipped += 1
                continue
            task = asyncio.create_task(one(ready.popleft()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
        await self.cpu.until_idle(self.idle)
        missed = sum(u.missed for u in chosen) - missed
        used = self.cpu.used(started, self.idle)
        return Measured(sum(given.values()), elapsed, *used, latencies, skipped, missed)


def _mm(values: list[float], fmt: str) -> str:
    return f"{format(min(values), fmt)} / {format(statistics.median(values), fmt)}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def progress(text: str) -> None:
    print(f"  ... {text}", file=sys.stderr, flush=True)


async def measure(
    args: argparse.Namespace, base: str, sessions: list[tuple[int, str]], roles: dict[str, list[int]]
):
    """Open every end user's socket, then run the phases asked for and print their figures."""
    users = [EndUser(person_id, key, base) for person_id, key in sessions]
    for start_at in range(0, len(users), 50):
        await asyncio.gather(*(u.open() for u in users[start_at : start_at + 50]))
    cpu = ServerCpu(roles)
    # The servers settle first (serve's processes finish starting, the sockets' first work is done).
    await asyncio.sleep(5)
    idle = await cpu.idle_rate(seconds=5)
    bench = Bench(users, cpu, idle)
    verdicts = []
    print(
        f"{len(users)} end users with an open inbox websocket; {len(roles['web'])} web process(es); "
        f"idle servers use {idle * 1000:.0f} ms CPU/s"
    )
    print(f"min / median of {args.runs} runs")
    try:
        per_answer_ms: list[float] = []
        if {"throughput", "cpu"} & args.only:
            print(
                f"\n{'clients':>7} {'persons':>7} {'answers':>7} {'answers/s':>15} {'CPU ms/answer':>15} "
                f"{'socket p50 ms':>15} {'missed':>6}   raw CPU ms/answer (web + worker, median)"
            )
            for clients in args.clients:
                persons = clients * math.ceil(math.ceil(args.answers / MAX_ANSWERS_PER_PERSON) / clients)
                answers = max(2, math.ceil(args.answers / persons))
                rates, cpus, p50s, missed, web, worker = [], [], [], 0, [], []
                for run in range(args.runs):
                    progress(f"{clients} clients, run {run + 1}")
                    m = await bench.closed_loop(clients, persons, answers, answers + 3)
                    rates.append(m.count / m.elapsed)
                    cpus.append(m.cpu / m.count * 1000)
                    web.append(m.by_role["web"] / m.count * 1000)
                    worker.append(m.by_role["worker"] / m.count * 1000)
                    p50s.append(_pct(m.latencies, 0.5) * 1000)
                    missed += m.missed
                per_answer_ms += cpus
                print(
                    f"{clients:>7} {persons:>7} {persons * answers:>7} {_mm(rates, '.1f'):>15} "
                    f"{_mm(cpus, '.2f'):>15} {_mm(p50s, '.0f'):>15} {missed:>6}   "
                    f"{statistics.median(web):.1f} + {statistics.median(worker):.1f}",
                    flush=True,
                )
        if "cpu" in args.only:
            path = "/api/inbox/pokes/"
            get_ms, get_rates = [], []
            for run in range(args.runs):
                progress(f"GET {path}, run {run + 1}")
                m = await bench.gets(16, args.gets, path)
                get_ms.append(m.cpu / m.count * 1000)
                get_rates.append(m.count / m.elapsed)
            answer, get = statistics.median(per_answer_ms), statistics.median(get_ms)
            print(f"\nserver CPU per request (ms), every answer run above vs GET {path} (16 clients):")
            print(
                f"  answer {_mm(per_answer_ms, '.2f')}   GET {_mm(get_ms, '.2f')} ({_mm(get_rates, '.0f')}/s)"
            )
            verdicts.append(
                f"CPU per answer / per trivial GET: {answer / get:.2f}x (target <= {TARGET_CPU_RATIO:g}x) "
                + ("ok" if answer / get <= TARGET_CPU_RATIO else "OVER")
            )
        if "latency" in args.only:
            p50s, p99s, achieved, skipped, missed = [], [], [], [], 0
            for run in range(args.runs):
                progress(f"{args.rate:g} answers/s offered for {args.seconds:g} s, run {run + 1}")
                m = await bench.open_loop(args.rate, args.seconds, args.latency_persons)
                p50s.append(_pct(m.latencies, 0.50) * 1000)
                p99s.append(_pct(m.latencies, 0.99) * 1000)
                achieved.append(m.count / m.elapsed)
                skipped.append(m.skipped)
                missed += m.missed
            print(
                f"\nanswer-to-socket latency, {args.rate:g} answers/s offered for {args.seconds:g} s "
                f"({args.latency_persons} persons):"
            )
            print(
                f"  p50 {_mm(p50s, '.1f')} ms   p99 {_mm(p99s, '.1f')} ms   "
                f"answered {_mm(achieved, '.1f')}/s   skipped (nobody ready) {_mm(skipped, '.0f')}   "
                f"pushes missed {missed}"
            )
            target, p99 = TARGET_P99_MS.get(args.vendor, 50.0), statistics.median(p99s)
            verdicts.append(
                f"p99 at {args.rate:g} answers/s: {p99:.1f} ms (target <= {target:g} ms) "
                + ("ok" if p99 <= target else "OVER")
            )
        if "size" in args.only:
            print(
                f"\nanswer on a chain of N elements ({args.size_persons} persons, 2 answers each, "
                "16 clients):"
            )
            results = {}
            for elements in (5, 1000):
                cpus = []
                for run in range(args.runs):
                    progress(f"{elements}-element flow, run {run + 1}")
                    m = await bench.closed_loop(16, args.size_persons, 2, elements)
                    cpus.append(m.cpu / m.count * 1000)
                results[elements] = cpus
                print(f"  {elements:>5} elements: CPU ms/answer {_mm(cpus, '.2f')}", flush=True)
            ratio = statistics.median(results[1000]) / statistics.median(results[5])
            print(f"  ratio 1000 / 5: {ratio:.2f}x")
            verdicts.append(
                f"answer on 1,000 vs 5 elements: {ratio:.2f}x (target <= {TARGET_SIZE_RATIO:g}x) "
                + ("ok" if ratio <= TARGET_SIZE_RATIO else "OVER")
            )
    finally:
        for start_at in range(0, len(users), 50):
            await asyncio.gather(*(u.close() for u in users[start_at : start_at + 50]))
    print()
    for line in verdicts:
        print(line)


# --- set-up ------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc, timeout: float = 60.0) -> None:
    """Wait until something answers on the port (serve's daphnes), or fail if `proc` exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited with {proc.returncode}; see its log (--keep)")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("daphne did not start listening")


def run(args: argparse.Namespace, tmp: str) -> None:
    use_databases(tmp, database_url=args.database_url, redis_url=args.redis_url, pg_database=PG_DATABASE)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    args.vendor = connection.vendor
    layer = "Redis" if args.redis_url else ("channels-lite" if connection.vendor == "sqlite" else "in-memory")
    print(f"database: {connection.vendor}; channel layer: {layer}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    persons = max(max(args.clients), args.latency_persons, args.size_persons, 16)
    persons = max(
        persons, max(args.clients) * math.ceil(args.answers / MAX_ANSWERS_PER_PERSON / max(args.clients))
    )
    persons = max(persons, math.ceil(args.answers / MAX_ANSWERS_PER_PERSON))
    sessions = endusers_create(persons)
    connection.close()  # the servers and this process's threads take their own connections

    port = free_port()
    log = Path(tmp) / "servers.log"
    # What `manage.py serve` runs: WEB_WORKERS daphnes on one port, the engine worker and the qcluster.
    serve = start(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        log=log,
        env={**os.environ, "WEB_WORKERS": str(args.web_workers)},
    )
    try:
        wait_for_port(port, serve)
        processes = server_processes(serve.pid, args.web_workers)
        asyncio.run(measure(args, f"http://127.0.0.1:{port}", sessions, processes))
    finally:
        stop(serve)
        if args.keep:
            print(f"server log: {log}")


def server_processes(serve_pid: int, web_workers: int, timeout: float = 30.0) -> dict[str, list[int]]:
    """serve's daphnes ("web") and the rest it started ("worker": the engine worker and the qcluster's
    processes), once all of them are there (the same set a second apart): the port answers as soon as
    the first daphne listens, and a process missing from the list would be CPU left out of every figure
    (a run once printed 0.00 ms)."""
    import psutil

    deadline = time.monotonic() + timeout
    previous = None
    while True:
        roles: dict[str, list[int]] = {"web": [], "worker": []}
        for child in psutil.Process(serve_pid).children(recursive=True):
            try:
                roles["web" if "daphne" in " ".join(child.cmdline()) else "worker"].append(child.pid)
            except psutil.NoSuchProcess:
                continue
        if len(roles["web"]) >= web_workers and roles["worker"] and roles == previous:
            return roles
        if time.monotonic() > deadline:
            raise SystemExit(f"serve's processes did not all start: {roles}")
        previous = roles
        time.sleep(1.0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer answers and a shorter latency run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--answers", type=int, default=0, help="answers per throughput run (default 480)")
    parser.add_argument("--gets", type=int, default=0, help="GETs per run (default 480)")
    parser.add_argument("--rate", type=float, default=100.0, help="offered answers/s of the latency run")
    parser.add_argument("--seconds", type=float, default=0, help="length of a latency run (default 10 s)")
    parser.add_argument("--latency-persons", type=int, default=0, help="persons of the latency run (100)")
    parser.add_argument("--size-persons", type=int, default=0, help="persons of the flow-size runs (48)")
    parser.add_argument("--only", default="throughput,cpu,latency,size")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (a fresh database on it)")
    parser.add_argument("--redis-url", default="", help="Redis for the channel layer (scale mode)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder / the database")
    parser.add_argument("--web-workers", type=int, default=1, help="daphne processes serve starts (1)")
    args = parser.parse_args()
    quick = args.quick
    args.answers = args.answers or (96 if quick else 480)
    args.gets = args.gets or (160 if quick else 480)
    args.seconds = args.seconds or (3.0 if quick else 10.0)
    args.latency_persons = args.latency_persons or (50 if quick else 100)
    args.size_persons = args.size_persons or (16 if quick else 48)
    args.only = set(args.only.split(","))
    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    try:
        run(args, tmp)
    finally:
        if args.database_url and not args.keep:
            pg_drop(args.database_url, PG_DATABASE)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
