"""Benchmark: the designer API on flows of 5, 100, 1,000 and 2,000 elements, in server time, beside a floor
measured in the same run.

    .venv/bin/python bench/designer_api.py [--sizes 5 100 1000 2000] [--repeat 3] [--database-url URL]
                                           [--clock cpu|wall] [--profile N] [--keep]

Without --database-url it uses a fresh SQLite file in a temporary folder (the embedded mode), removed at
the end unless --keep; with a PostgreSQL URL it uses that (empty) database, migrating it first.

Generated per size: one flow of N elements: a Predefined Audience, N - 2 chained Message elements (each
with its own templated text, "Hi {{ person.first_name|default('friend') }}, step 17 of 998 ...", and two
buttons leading on to the next one) and an Exit, with a canvas position per element (the `ui` section the
designer saves).

Measured: Django's test client in this process (a logged-in marketer), so the figures are server time (URL
routing, middleware, session, permission, parsing, validation, queries, JSON rendering; no network, no
daphne); the client's own work (encoding the body, reading the answer) is outside the clock. Every request
is made once to warm up, then --repeat times; min and median in milliseconds of the thread's CPU time
(--clock cpu, the default: on a shared, busy machine elapsed time mostly measures the other processes) or
of elapsed time (--clock wall).

- GET      `/api/flows/<id>/`: the flow with its draft and its issues (what the canvas opens with);
- PUT      `/api/flows/<id>/draft/`: a full save of the whole document (one element moved each time);
- PATCH    `/api/flows/<id>/`: renaming the flow (answers with the draft, like GET);
- validate `/api/flows/validate/`: the document checked without saving;
- publish  `/api/flows/<id>/publish/`: a new version of the draft (a new version each time);
- floor:   json.loads + json.dumps of the same document plus one UPDATE of that flow's draft row: the
           least a full save over JSON can cost.

With --profile N the full save of an N-element flow is run under cProfile once more and the 25 entries of
highest cumulative time are printed.
"""

import argparse
import cProfile
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 100.0  # GET and save of a 1,000-element flow (issue 14)
TARGET_SIZE = 1000


def flow_definition(size: int, tag_id: int) -> dict:
    """A publishable flow of `size` elements (at least 3): audience -> messages in a chain -> exit."""
    count = max(size - 2, 1)
    nodes: list[dict] = [
        {
            "id": "audience",
            "type": "predefined_audience",
            "config": {"tags": [tag_id]},
            "exits": {"next": "m1"},
        }
    ]
    for i in range(1, count + 1):
        following = f"m{i + 1}" if i < count else "done"
        nodes.append(
            {
                "id": f"m{i}",
                "type": "message",
                "config": {
                    "text": f"Hi {{{{ person.first_name|default('friend') }}}}, step {i} of {count}: "
                    f"shall we go on to {{{{ variables.topic or 'the next one' }}}}?",
                    "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "later", "caption": "Later"}],
                },
                "exits": {"yes": following, "later": following},
            }
        )
    nodes.append({"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}})
    positions = {n["id"]: {"x": 40 + 260 * (k % 8), "y": 40 + 180 * (k // 8)} for k, n in enumerate(nodes)}
    return {"spec_version": 1, "nodes": nodes, "ui": {"nodes": positions}}


CLOCKS = {"cpu": time.thread_time, "wall": time.perf_counter}
clock = CLOCKS["cpu"]


def timings(prepare: Callable[[], Callable[[], Any]], repeat: int) -> list[float]:
    """Milliseconds of each of `repeat` requests, after one warm-up. `prepare` does the client's part (the
    body, the current revision) and returns the request, which alone is timed; it checks its answer after."""
    prepare()()
    out = []
    for _ in range(repeat):
        send = prepare()
        started = clock()
        check = send()
        out.append((clock() - started) * 1000)
        if callable(check):  # a check of the answer, made after the clock stopped
            check()
    return out


class Bench:
    """One logged-in marketer's client and the requests measured on a flow."""

    def __init__(self, *, repeat: int) -> None:
        from django.test import Client

        from people.models import Tag
        from tests.factories import UserFactory

        self.repeat = repeat
        self.client = Client()
        self.client.force_login(UserFactory(roles=["marketer"]))
        self.tag = Tag.objects.create(name="bench")

    def _ok(self, response: Any, status: int = 200) -> Any:
        if response.status_code != status:
            raise SystemExit(
                f"{response.request['PATH_INFO']}: HTTP {response.status_code}: {response.content[:500]}"
            )
        return response

    def prepare(self, size: int) -> tuple[int, dict]:
        from flowdesigner.services import flow_create

        definition = flow_definition(size, self.tag.pk)
        flow = flow_create(name=f"bench {size}", definition=definition)
        return flow.pk, definition

    def requests(self, flow_id: int, definition: dict) -> dict[str, Callable[[], Callable[[], Any]]]:
        """The measured requests on one flow: each prepares its body and returns the request to time."""
        from flowdesigner.models import Flow

        client, ok = self.client, self._ok
        moved = definition["ui"]["nodes"]["m1"]
        json_type = "application/json"

        def revision() -> int:
            return Flow.objects.values_list("draft_revision", flat=True).get(pk=flow_id)

        def get() -> Callable[[], Any]:
            return lambda: ok(client.get(f"/api/flows/{flow_id}/"))

        def put() -> Callable[[], Any]:
            moved["x"] += 1  # a move: the whole document is saved
            body = json.dumps({"definition": definition, "revision": revision()})

            def send() -> Callable[[], None]:
                answer = ok(client.put(f"/api/flows/{flow_id}/draft/", body, content_type=json_type))

                def check() -> None:
                    if answer.json()["issues"]:
                        raise SystemExit(f"the bench flow has issues: {answer.json()['issues'][:3]}")

                return check

            return send

        def patch() -> Callable[[], Any]:
            body = json.dumps({"name": f"bench {len(definition['nodes'])}"})
            return lambda: ok(client.patch(f"/api/flows/{flow_id}/", body, content_type=json_type))

        def validate() -> Callable[[], Any]:
            body = json.dumps({"definition": definition})
            return lambda: ok(client.post("/api/flows/validate/", body, content_type=json_type))

        def publish() -> Callable[[], Any]:
            body = json.dumps({"revision": revision()})
            return lambda: ok(
                client.post(f"/api/flows/{flow_id}/publish/", body, content_type=json_type), 201
            )

        return {"GET": get, "PUT": put, "PATCH": patch, "validate": validate, "publish": publish}

    def floor(self, flow_id: int, definition: dict) -> Callable[[], None]:
        """json.loads + json.dumps of the document and one UPDATE of the flow's draft: a save's least."""
        from django.db import connection, transaction

        from flowdesigner.models import Flow

        table = Flow._meta.db_table
        text = json.dumps({"definition": definition, "revision": 1})

        def call() -> None:
            document = json.loads(text)["definition"]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET draft_definition = %s WHERE id = %s",  # noqa: S608 (our table)
                    [json.dumps(document), flow_id],
                )

        return lambda: call


def run(args: argparse.Namespace, tmp: str) -> None:
    """Migrate, then per size: create the flow, measure each request and the floor, print a table."""
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    global clock
    clock = CLOCKS[args.clock]
    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    bench = Bench(repeat=args.repeat)
    names = ["floor", "GET", "PUT", "PATCH", "validate", "publish"]
    print(
        f"server time in ms ({args.clock} clock), min / median of {args.repeat} (after one warm-up); "
        "x = median / floor median"
    )
    print(f"{'elements':>8}  {'doc KiB':>7}  " + "  ".join(f"{n:>21}" for n in names))
    verdicts = []
    for size in args.sizes:
        flow_id, definition = bench.prepare(size)
        kib = len(json.dumps(definition)) / 1024
        results = {"floor": timings(bench.floor(flow_id, definition), args.repeat)}
        for name, call in bench.requests(flow_id, definition).items():
            results[name] = timings(call, args.repeat)
        floor = statistics.median(results["floor"])
        cells = []
        for name in names:
            best, median = min(results[name]), statistics.median(results[name])
            ratio = "" if name == "floor" else f" {median / floor:4.1f}x"
            cells.append(f"{best:7.1f} /{median:7.1f}{ratio:>6}")
        print(f"{size:>8}  {kib:7.0f}  " + "  ".join(f"{c:>21}" for c in cells), flush=True)
        if size == TARGET_SIZE:
            for name in ("GET", "PUT"):
                median = statistics.median(results[name])
                verdicts.append(
                    f"{name} of a {size}-element flow: median {median:.1f} ms (target {TARGET_MS:.0f} ms)"
                    f" {'ok' if median <= TARGET_MS else 'OVER'}"
                )
        if args.profile == size:
            send = bench.requests(flow_id, definition)["PUT"]()
            profiler = cProfile.Profile()
            profiler.runcall(send)
            print(f"\ncProfile of one full save (PUT) of the {size}-element flow:")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    for line in verdicts:
        print(line)


def main() -> None:
    """Parse the arguments and run the benchmark in a temporary folder (removed unless --keep)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 100, 1000, 2000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: this thread's CPU time (steady on a busy machine; SQLite runs in-process, so its work "
        "counts, not a wait for the disk); wall: elapsed time",
    )
    parser.add_argument("--profile", type=int, default=0, help="cProfile one full save of this size")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (the SQLite file)")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    try:
        run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
