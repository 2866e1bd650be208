"""Benchmark: many idle inbox websockets on one daphne (or --web-workers of them): do they stay up, what
do they cost, does a push still arrive as fast, and how fast do they all come back after a restart.

    .venv/bin/python bench/sockets.py [--sockets 10000] [--hold 300] [--pushes 50] [--restarts 3]
                                      [--database-url URL] [--redis-url URL] [--concurrency 200]
                                      [--policy jitter|plain] [--daphne-args "..."] [--web-workers 1]
                                      [--keep]

Without --database-url it uses a fresh SQLite file in a temporary folder and the embedded channel layer;
with a PostgreSQL server URL it creates (and drops at the end) a throwaway database on it; --redis-url
(scale mode) puts the channel layer on Redis: give it a Redis database of its own, which it empties
first (groups left by an earlier run would still be pushed to). The issue's target is for scale mode:
10,000 sockets idle for 5 minutes, none closed, push latency with 10,000 open at most 1.5x that with one.

Set-up: --sockets end users (a user in the enduser group, its person and a logged-in session each),
written in bulk straight into the database; then one real daphne on a free loopback port, started as
`manage.py serve` starts it (--web-workers N: N daphnes sharing the port as serve runs WEB_WORKERS of them,
the kernel spreading connections over them; CPU and RSS are then their sums). The clients are one
asyncio process (aiohttp), each holding one /ws/inbox/ socket with its own session cookie and behaving
like the inbox page (flowdesigner/frontend/src/shared/websocket.ts and backoff.ts): on open it asks for a
sync, a messages frame proves the connection (the backoff starts over), and on any close other than
4401/4403 it reconnects after the browser's delay
(--policy jitter, as backoff.ts does now; --policy plain, the delay without jitter that it used to have).

Printed, each beside a floor measured in the same run:
1. push latency with one socket open: --pushes times (one every 50 ms) a message is published to the
   person's group through the channel layer from this process (as the worker's dispatch does) and timed
   until it arrives on the socket; p50/p99, min and median over --restarts rounds.
2. opening all sockets, at most --concurrency handshakes at a time: seconds, sockets/s, daphne's CPU
   per connect (and on PostgreSQL the database sessions and transactions per connect).
3. holding them idle --hold seconds (progress every 30 s): how many closed (must be 0), daphne's RSS
   before opening, after opening and after the hold -> MiB per 1,000 sockets.
4. push latency with all open (to a random one of them each time): p50/p99 and the ratio to 1 (target
   at most 1.5x).
5. restarts (--restarts times): daphne killed (SIGKILL, as a crash or an OOM kill would) and started again;
   every client reconnects on its own backoff: seconds until all are back (their sync answered), beside
   the floor: daphne's start-up (spawn to first HTTP answer) plus the time the first opening took.
"""

import argparse
import asyncio
import json
import os
import random
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import pg_drop, stop, use_databases  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_sockets"
REFUSED_CODES = {4401, 4403}  # the inbox page stops on these (inbox/socket.ts)
PUSH_GAP_SECONDS = 0.05
TARGET_PUSH_RATIO = 1.5

# backoff.ts, mirrored: the delay before reconnect attempt `attempt` (0-based).
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 10.0


def reconnect_delay(attempt: int, policy: str, rng: random.Random) -> float:
    """Seconds before reconnect attempt `attempt`, as the browser computes it (backoff.ts): the capped
    exponential delay, with jitter less a random part of up to half of it, so clients dropped together
    spread their retries instead of arriving in one wave."""
    delay = min(MAX_DELAY_S, FIRST_DELAY_S * 2**attempt)
    if policy == "jitter":
        return delay - delay / 2 * rng.random()
    return delay


class Stats:
    """What the clients saw, by phase (the bench sets `phase`)."""

    def __init__(self) -> None:
        self.phase = "open"
        self.attempts: Counter = Counter()  # connection attempts per phase
        self.closes: Counter = Counter()  # (phase, close code) of sockets that were open
        self.failures: Counter = Counter()  # (phase, reason) of attempts that never opened


class Client:
    """One end user's inbox page: keeps its socket open the way keepOpen() does in the browser."""

    def __init__(self, person_id: int, cookie: str, stats: Stats, rng: random.Random) -> None:
        self.person_id = person_id
        self.cookie = cookie
        self.stats = stats
        self.rng = rng
        self.attempt = 0
        self.live = asyncio.Event()
        self.live_since = 0.0  # perf_counter() when the current connection's sync was answered
        self.waiter: asyncio.Future | None = None
        self.refused: int | None = None
        self.stopped = False
        self.ws = None

    async def run(self, session, url: str, origin: str, policy: str, gate: asyncio.Semaphore | None) -> None:
        import aiohttp

        headers = {"Cookie": self.cookie, "Origin": origin}
        first = True
        while not self.stopped:
            opened = False
            try:
                if first and gate is not None:
                    async with gate:  # the first opening is paced; reconnects are not (the herd)
                        self.stats.attempts[self.stats.phase] += 1
                        opened = await self._connect(session, url, headers)
                else:
                    self.stats.attempts[self.stats.phase] += 1
                    opened = await self._connect(session, url, headers)
                first = False
                if opened:
                    await self._read()
            except (TimeoutError, aiohttp.ClientError, OSError) as error:
                self.stats.failures[(self.stats.phase, f"{type(error).__name__}: {error}"[:120])] += 1
            first = False
            code = self.ws.close_code if self.ws is not None and self.ws.close_code else 1006
            if self.ws is not None and not self.ws.closed:
                await self.ws.close()
            self.ws = None
            was_live = self.live.is_set()
            self.live.clear()
            if self.stopped:
                return
            if opened or was_live:
                self.stats.closes[(self.stats.phase, code)] += 1
            if code in REFUSED_CODES:
                self.refused = code
                return
            delay = reconnect_delay(self.attempt, policy, self.rng)
            self.attempt += 1
            await asyncio.sleep(delay)

    async def _connect(self, session, url: str, headers: dict) -> bool:
        """Open the socket and ask for a sync; True once the sync is answered (the page is live)."""
        self.ws = await session.ws_connect(url, headers=headers, autoping=True, max_msg_size=0)
        await self.ws.send_str('{"type": "sync"}')
        while True:
            if not await self._frame(await self.ws.receive()):
                return False
            if self.live.is_set():
                return True

    async def _read(self) -> None:
        while await self._frame(await self.ws.receive()):
            pass

    async def _frame(self, msg) -> bool:
        """Handle one frame; False when the socket is closed."""
        import aiohttp

        if msg.type != aiohttp.WSMsgType.TEXT:
            return msg.type not in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            )
        event = json.loads(msg.data)
        if event.get("type") == "messages":
            self.attempt = 0  # a frame that proves the connection: the backoff starts over
            if not self.live.is_set():
                self.live_since = time.perf_counter()
            self.live.set()
        elif event.get("type") == "message":
            self.attempt = 0
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(time.perf_counter())
        return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--hold", type=float, default=300, help="seconds to hold the sockets idle")
    parser.add_argument("--pushes", type=int, default=50, help="pushes per latency round")
    parser.add_argument("--restarts", type=int, default=3, help="restarts (and push rounds) to measure")
    parser.add_argument("--concurrency", type=int, default=200, help="handshakes at once while opening")
    parser.add_argument("--policy", choices=["jitter", "plain"], default="jitter")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--daphne-args", default="", help="extra daphne options, e.g. '--ping-interval 30'")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=1,
        help="daphnes sharing the port, as manage.py serve runs WEB_WORKERS (needs Redis or SQLite)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, SQLite)")
    args = parser.parse_args()
    if args.web_workers < 1:
        parser.error("--web-workers must be at least 1")
    if args.web_workers > 1 and args.database_url.startswith("postgres") and not args.redis_url:
        parser.error("--web-workers above 1 needs a channel layer linking processes: --redis-url, or SQLite")

    raise_file_limit(args.sockets)
    # A stopped benchmark (Ctrl-C, timeout) still runs its finally blocks: stops daphne, drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-sockets-")
    pg_server = args.database_url if args.database_url.startswith("postgres") else ""
    use_databases(tmp, database_url=pg_server, redis_url=args.redis_url, pg_database=PG_DATABASE)
    try:
        import django

        django.setup()
        if args.redis_url:
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()  # no groups left over from an earlier run
        cookies = make_end_users(args.sockets)
        asyncio.run(run(args, cookies, Path(tmp)))
    finally:
        for proc in DAPHNES:
            stop(proc)
        if pg_server:
            from django.db import connections

            connections.close_all()
            pg_drop(pg_server, PG_DATABASE)
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def raise_file_limit(sockets: int) -> None:
    """Each socket is a file descriptor here and one in daphne (which inherits this limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = sockets + 1000
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"--sockets {sockets} needs {needed} open files; the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def make_end_users(count: int) -> list[tuple[int, str]]:
    """`count` end users, each with a person and a logged-in session, in bulk; (person id, cookie) each."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from flowdesigner.roles import END_USER
    from people.models import Person

    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    # One unusable password for all: nobody logs in with it, and hashing 10,000 passwords would take
    # minutes. The session's auth hash is derived from it, so it is the same for every user too.
    password = make_password(None)
    backend = "flowdesigner.auth.UserWithPersonBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    expires = timezone.now() + timedelta(days=1)
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=END_USER)
        users = User.objects.bulk_create(
            [User(username=f"socket-{i}", password=password) for i in range(count)], batch_size=2000
        )
        auth_hash = users[0].get_session_auth_hash()
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users], batch_size=2000
        )
        persons = Person.objects.bulk_create(
            [Person(first_name=f"Socket {i}", user_id=u.pk) for i, u in enumerate(users)], batch_size=2000
        )
        store = SessionStore()
        sessions = [
            Session(
                session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
                session_data=store.encode(
                    {SESSION_KEY: str(u.pk), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: auth_hash}
                ),
                expire_date=expires,
            )
            for u in users
        ]
        Session.objects.bulk_create(sessions, batch_size=2000)
    print(f"{count} end users with persons and sessions written in {time.perf_counter() - started:.1f} s")
    return [
        (p.pk, f"{settings.SESSION_COOKIE_NAME}={s.session_key}")
        for p, s in zip(persons, sessions, strict=True)
    ]


DAPHNES: list[subprocess.Popen] = []  # every daphne started, so that an interrupted run stops them too


class Daphne:
    """The daphnes under test (--web-workers of them), started as `manage.py serve` starts them: each on a
    listening socket bound here with serve's own `_listening_sockets` (one SO_REUSEPORT socket each on
    one port, serve's backlog; `daphne --fd`), on one free loopback port kept across restarts. Their CPU
    and memory figures are the sums over all of them."""

    def __init__(self, tmp: Path, extra: list[str], workers: int = 1) -> None:
        self.port = free_port()
        self.tmp = tmp
        self.extra = extra
        self.workers = workers
        self.procs: list[subprocess.Popen] = []
        self.starts = 0

    def start(self) -> None:
        from flowdesigner.management.commands.serve import _listening_sockets, daphne_command

        sockets = _listening_sockets("127.0.0.1", self.port, self.workers)
        self.starts += 1
        self.procs = []
        try:
            for number, sock in enumerate(sockets, start=1):
                with open(self.tmp / f"daphne-{self.starts}-{number}.log", "ab") as log:
                    proc = subprocess.Popen(
                        daphne_command(sock.fileno(), *self.extra),  # as manage.py serve starts it
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        pass_fds=[sock.fileno()],
                        start_new_session=True,
                    )
                self.procs.append(proc)
                DAPHNES.append(proc)
        finally:
            # Only the daphnes hold the sockets now: killed, they take the port with them, as a real restart
            # does.
            for sock in sockets:
                sock.close()

    async def wait_http(self) -> None:
        """Until every daphne runs and one answers HTTP (the login page)."""
        import aiohttp

        deadline = time.monotonic() + 120
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if any(proc.poll() is not None for proc in self.procs):
                    raise SystemExit(f"daphne exited:\n{self.log_tail()}")
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/login/") as response:
                        await response.read()
                        return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.05)
        raise SystemExit("daphne did not start")

    def kill(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs:
            proc.wait()

    def rss_mib(self) -> float:
        import psutil

        return sum(psutil.Process(proc.pid).memory_info().rss for proc in self.procs) / 2**20

    def cpu_seconds(self) -> float:
        import psutil

        total = 0.0
        for proc in self.procs:
            times = psutil.Process(proc.pid).cpu_times()
            total += times.user + times.system
        return total

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for number in range(1, len(self.procs) + 1):
            log = self.tmp / f"daphne-{self.starts}-{number}.log"
            if log.exists():
                tails += log.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(tails)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def pg_counters() -> tuple[int, int] | None:
    """(sessions opened, transactions) of this database so far, on PostgreSQL; None elsewhere."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return None
    await asyncio.sleep(1.2)  # backends flush their statistics about once a second
    with psycopg.connect(url, autocommit=True) as conn:  # one session and one transaction of its own
        row = conn.execute(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        ).fetchone()
    return row[0], row[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def push_round(layer, clients: list[Client], count: int, rng: random.Random) -> list[float]:
    """Latencies (ms) of `count` pushes, each to a random one of `clients`, one every PUSH_GAP_SECONDS."""
    from messaging.transports.web import inbox_group

    loop = asyncio.get_running_loop()
    latencies = []
    for i in range(count):
        client = rng.choice(clients)
        client.waiter = loop.create_future()
        message = {"id": -(i + 1), "text": "bench push", "buttons": []}
        started = time.perf_counter()
        await layer.group_send(inbox_group(client.person_id), {"type": "inbox.message", "message": message})
        arrived = await asyncio.wait_for(client.waiter, timeout=30)
        latencies.append((arrived - started) * 1000)
        client.waiter = None
        await asyncio.sleep(PUSH_GAP_SECONDS)
    return latencies


async def push_rounds(layer, clients: list[Client], args, rng: random.Random) -> tuple[list, list]:
    """--restarts rounds of --pushes: the p50s and the p99s of each round."""
    p50s, p99s = [], []
    for _ in range(max(1, args.restarts)):
        latencies = await push_round(layer, clients, args.pushes, rng)
        p50s.append(pct(latencies, 50))
        p99s.append(pct(latencies, 99))
    return p50s, p99s


def min_median(values: list[float], fmt: str = ".1f") -> str:
    return f"{min(values):{fmt}} / {statistics.median(values):{fmt}}"


async def wait_live(
    clients: list[Client], stats: Stats, started: float, label: str, since: float = 0, patience: float = 60
) -> float:
    """Seconds from `started` until every client is live (on a connection made after `since`) or refused,
    printing progress every 2 s; gives up when none came back for `patience` seconds."""
    next_report = time.perf_counter() + 2
    best, progressed = -1, time.perf_counter()
    while True:
        live = sum(1 for c in clients if c.live.is_set() and c.live_since >= since)
        refused = sum(1 for c in clients if c.refused)
        now = time.perf_counter()
        if live + refused == len(clients):
            return now - started
        if live > best:
            best, progressed = live, now
        if now >= next_report:
            print(
                f"  {label}: {live} live after {now - started:.1f} s "
                f"({stats.attempts[stats.phase]} connection attempts)",
                flush=True,
            )
            next_report = now + 2
        if now - progressed > patience:
            failures = {k[1]: n for k, n in stats.failures.items() if k[0] == stats.phase}
            closes = {k[1]: n for k, n in stats.closes.items() if k[0] == stats.phase}
            raise SystemExit(
                f"{label}: stuck at {live} of {len(clients)} live for {patience:.0f} s; "
                f"failed attempts {failures}, closes by code {closes}"
            )
        await asyncio.sleep(0.25)  # a scan of every client: not too often, this process holds them all


async def run(args, cookies: list[tuple[int, str]], tmp: Path) -> None:
    import aiohttp
    from channels.layers import get_channel_layer

    rng = random.Random(args.seed)
    stats = Stats()
    layer = get_channel_layer()
    daphne = Daphne(tmp, shlex.split(args.daphne_args), args.web_workers)
    url = f"ws://127.0.0.1:{daphne.port}/ws/inbox/"
    origin = f"http://127.0.0.1:{daphne.port}"
    layer_name = "redis" if args.redis_url else type(layer).__name__
    print(
        f"channel layer: {layer_name}; client backoff: {args.policy}; {args.sockets} sockets; "
        f"{args.web_workers} daphne{'s' if args.web_workers > 1 else ''}",
        flush=True,
    )

    spawned = time.perf_counter()
    daphne.start()
    await daphne.wait_http()
    print(f"daphne answering after {time.perf_counter() - spawned:.2f} s (port {daphne.port})", flush=True)

    clients = [Client(pid, cookie, stats, random.Random(rng.random())) for pid, cookie in cookies]
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60)
    tasks: list[asyncio.Task] = []
    try:
        async with aiohttp.ClientSession(
            connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
        ) as session:

            def launch(some: list[Client], gate: asyncio.Semaphore | None) -> None:
                for client in some:
                    tasks.append(asyncio.create_task(client.run(session, url, origin, args.policy, gate)))

            # 1. one socket
            launch(clients[:1], None)
            await wait_live(clients[:1], stats, time.perf_counter(), "first socket")
            stats.phase = "push 1"
            one_p50, one_p99 = await push_rounds(layer, clients[:1], args, rng)
            print(
                f"push latency, 1 socket open: p50 {min_median(one_p50)} ms, p99 {min_median(one_p99)} ms "
                f"(min / median of {len(one_p50)} rounds of {args.pushes})",
                flush=True,
            )

            # 2. all sockets
            stats.phase = "open"
            rss_before = daphne.rss_mib()
            cpu_before = daphne.cpu_seconds()
            pg_before = await pg_counters()
            started = time.perf_counter()
            launch(clients[1:], asyncio.Semaphore(args.concurrency))
            opening = await wait_live(clients, stats, started, "opening")
            cpu_per_connect = (daphne.cpu_seconds() - cpu_before) / max(1, len(clients) - 1) * 1000
            rss_open = daphne.rss_mib()
            pg_after = await pg_counters()
            refused = Counter(c.refused for c in clients if c.refused)
            if refused:
                raise SystemExit(f"refused sockets: {dict(refused)}\n{daphne.log_tail()}")
            print(
                f"opened {len(clients)} sockets in {opening:.1f} s ({(len(clients) - 1) / opening:.0f}/s, "
                f"at most {args.concurrency} handshakes at once; {stats.attempts['open']} attempts); "
                f"daphne CPU {cpu_per_connect:.2f} ms per connect",
                flush=True,
            )
            if pg_before and pg_after:
                per = max(1, len(clients) - 1)
                print(
                    f"  PostgreSQL per connect: {(pg_after[0] - pg_before[0]) / per:.2f} sessions opened, "
                    f"{(pg_after[1] - pg_before[1]) / per:.2f} transactions",
                    flush=True,
                )

            # 3. hold
            stats.phase = "hold"
            held = time.perf_counter()
            next_report = held + 30
            while (now := time.perf_counter()) - held < args.hold:
                await asyncio.sleep(min(1.0, args.hold - (now - held)))
                if time.perf_counter() >= next_report:
                    live = sum(1 for c in clients if c.live.is_set())
                    closed = sum(n for (phase, _), n in stats.closes.items() if phase == "hold")
                    print(
                        f"  holding: {time.perf_counter() - held:.0f} s, {live} live, {closed} closed",
                        flush=True,
                    )
                    next_report += 30
            closed = {code: n for (phase, code), n in stats.closes.items() if phase == "hold"}
            rss_held = daphne.rss_mib()
            per_thousand = (rss_held - rss_before) / (len(clients) - 1) * 1000
            by_code = f" (by close code: {closed})" if closed else ""
            print(
                f"held {len(clients)} sockets idle for {args.hold:.0f} s: "
                f"{sum(closed.values())} closed{by_code} (must be 0)\n"
                f"daphne RSS: {rss_before:.0f} MiB with 1 socket, {rss_open:.0f} MiB when all had opened, "
                f"{rss_held:.0f} MiB after the hold -> {per_thousand:.1f} MiB per 1,000 sockets",
                flush=True,
            )

            # 4. pushes with all open
            stats.phase = "push N"
            all_p50, all_p99 = await push_rounds(layer, clients, args, rng)
            ratio50 = statistics.median(all_p50) / statistics.median(one_p50)
            ratio99 = statistics.median(all_p99) / statistics.median(one_p99)
            print(
                f"push latency, {len(clients)} sockets open: p50 {min_median(all_p50)} ms, "
                f"p99 {min_median(all_p99)} ms -> {ratio50:.2f}x / {ratio99:.2f}x the medians with 1 socket "
                f"(target: at most {TARGET_PUSH_RATIO}x)",
                flush=True,
            )

            # 5. restarts
            back, floors = [], []
            for i in range(args.restarts):
                stats.phase = f"restart {i + 1}"
                killed = time.perf_counter()
                daphne.kill()
                daphne.start()
                waiting = asyncio.create_task(
                    wait_live(clients, stats, killed, f"restart {i + 1}", since=killed)
                )
                await daphne.wait_http()
                up = time.perf_counter() - killed
                back.append(await waiting)
                floors.append(up + opening)
                failed = sum(n for (phase, _), n in stats.failures.items() if phase == stats.phase)
                print(
                    f"restart {i + 1}: all {len(clients)} back after {back[-1]:.1f} s "
                    f"(daphne answering after {up:.1f} s; {stats.attempts[stats.phase]} attempts, "
                    f"{failed} failed); daphne RSS {daphne.rss_mib():.0f} MiB",
                    flush=True,
                )
                await asyncio.sleep(2)  # let the last syncs settle before the next kill
            if back:
                print(
                    f"reconnect after a restart: {min_median(back)} s until all {len(clients)} were back "
                    f"(min / median of {len(back)}); floor (daphne start-up + the paced opening): "
                    f"{min_median(floors)} s -> {statistics.median(back) / statistics.median(floors):.2f}x",
                    flush=True,
                )
            unexpected = {k: v for k, v in stats.closes.items() if not k[0].startswith("restart")}
            if unexpected:
                print(f"closes outside the restarts (phase, code): {dict(unexpected)}")
            for client in clients:
                client.stopped = True
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for proc in daphne.procs:
            stop(proc)


if __name__ == "__main__":
    main()
