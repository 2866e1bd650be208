"""Benchmark: the CPU of one request inside the ASGI application, without daphne, sockets or a client:
GET /api/inbox/pokes/ (the trivial authenticated GET of bench/answers.py) and an inbox answer, each
called directly on `flowdesigner.asgi.application` in this process, one at a time.

    .venv/bin/python bench/requests_inprocess.py [--requests 300] [--database-url URL --redis-url URL]

For profiling what a request costs in our code and Django's, apart from daphne's share:
`.venv/bin/py-spy record --gil -f raw -o out.txt -- .venv/bin/python bench/requests_inprocess.py`. Each
person answers at most 20 times (a participant's state grows with its history), as in bench/answers.py.
Prints the process's CPU time (all threads) per request, min / median of --runs runs, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import pg_drop, use_databases  # noqa: E402 (bench/ is the script's folder)

PG_DATABASE = "flowdesigner_bench_requests"
ANSWERS_PER_PERSON = 20
CSRF = "c" * 32


async def call(application, method: str, path: str, session_key: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request through the ASGI application, as daphne would hand it over."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"cookie", f"sessionid={session_key}; csrftoken={CSRF}".encode()),
            (b"x-csrftoken", CSRF.encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    received = False
    status, content = 0, b""

    async def receive():
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # no disconnect: the handler cancels this when it is done

    async def send(message):
        nonlocal status, content
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            content += message.get("body", b"")

    await application(scope, receive, send)
    return status, content


async def current(application, session_key: str) -> int:
    """The id of the person's newest unanswered message."""
    status, content = await call(application, "GET", "/api/inbox/messages/", session_key)
    assert status == 200, content
    waiting = [m for m in json.loads(content) if m["direction"] == "out" and not m["answered_at"]]
    return waiting[-1]["id"]


async def measure(requests: int, sessions: list[tuple[int, str]]) -> tuple[float, float]:
    """CPU ms per GET and per answer (the reads of the next message id are not counted)."""
    from flowdesigner.asgi import application

    key = sessions[0][1]
    for _ in range(20):  # warm-up: imports, the first connection
        await call(application, "GET", "/api/inbox/pokes/", key)
    started = time.process_time()
    for _ in range(requests):
        status, content = await call(application, "GET", "/api/inbox/pokes/", key)
        assert status == 200, content
    get = (time.process_time() - started) / requests * 1000

    body = json.dumps({"button_id": "yes"}).encode()
    spent, answered = 0.0, 0
    messages = {key: await current(application, key) for _, key in sessions}
    while answered < requests:
        for _, key in sessions:
            if answered == requests:
                break
            started = time.process_time()
            status, content = await call(
                application, "POST", f"/api/inbox/messages/{messages[key]}/answer/", key, body
            )
            spent += time.process_time() - started
            answered += 1
            assert status == 200, content
            messages[key] = await current(application, key)
    return get, spent / answered * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="GETs and answers per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="", help="a PostgreSQL server (a fresh database on it)")
    parser.add_argument("--redis-url", default="", help="Redis for the channel layer (scale mode)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    use_databases(tmp, database_url=args.database_url, redis_url=args.redis_url, pg_database=PG_DATABASE)
    try:
        import django

        django.setup()
        from answers import endusers_create, launch  # noqa: E402 (bench/ is the script's folder)
        from django.core.management import call_command
        from django.db import connection

        from people.outbox.worker import drain

        call_command("migrate", verbosity=0)
        runs = []
        for run in range(args.runs):
            # Fresh persons each run: every one answers at most ANSWERS_PER_PERSON times.
            sessions = endusers_create(args.requests // ANSWERS_PER_PERSON + 1)
            launch(ANSWERS_PER_PERSON + 6, [person_id for person_id, _ in sessions])
            drain()
            connection.close()  # the requests' threads take their own connections
            runs.append(asyncio.run(measure(args.requests, sessions)))
            print(
                f"  ... run {run + 1}: GET {runs[-1][0]:.2f} ms, answer {runs[-1][1]:.2f} ms", file=sys.stderr
            )
        gets, answers = [g for g, _ in runs], [a for _, a in runs]
        print(f"database: {connection.vendor}; CPU per request in-process, min / median of {args.runs} runs")
        print(f"  GET /api/inbox/pokes/   {min(gets):.2f} / {statistics.median(gets):.2f} ms")
        print(f"  answer                  {min(answers):.2f} / {statistics.median(answers):.2f} ms")
        print(f"  answer / GET            {statistics.median(answers) / statistics.median(gets):.2f}x")
    finally:
        if args.database_url:
            pg_drop(args.database_url, PG_DATABASE)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
