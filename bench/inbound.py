"""Benchmark: routing inbound messages to Inbound Message entry points.

    .venv/bin/python bench/inbound.py [--conditions 10000] [--flows 1000] [--messages 20000] [--seed 7]

Pure Python (engine.core.inbound), no database. A Router is built over --flows entries holding
--conditions conditions in all, in a realistic mix: mostly keywords (matches text, contains word, a few of
them two-word phrases), some contains text, a few hundred regular expressions (ignore case and multiline
mixed), a few "anything" (on one catch-all number) and "is equal to person attribute". A quarter of
the other entries listen on one number only; the rest take any.

Figures, each beside a baseline measured in the same run:
1. Deciding one inbound message (Router.decide) over --messages random bodies: a quarter hold a keyword
   (one in twenty is nothing but a keyword), the rest miss. p50/p99/max in ms. Baseline: casefolding
   the body and one dict lookup (the least any router must do). Goal: p99 <= 1 ms on one core.
2. End to end, on a fresh database (SQLite in a temporary folder, or with --database-url / $DATABASE_URL
   a throwaway PostgreSQL database; set REDIS_URL for the Redis channel layer): the same entries as 1000
   active flows (Inbound Message on SMS -> an SMS message -> Exit) behind one simulator SMS channel, a
   real daphne and engine workers (1 on SQLite, 2 on PostgreSQL). --webhooks signed webhooks of one
   message each from --clients concurrent clients, then the same number of messages in webhooks of
   --batch: accepted per second (HTTP) and processed per second (first sent to last routed: answered,
   entered or unhandled, with the SMS of each entry sent). Baseline: the same number of webhooks with a
   bad signature (refused with 401 before anything is stored), the HTTP floor of this daphne. Goal:
   1,000 processed per second on PostgreSQL + Redis.
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import shutil
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchkit import pg_create, pg_drop, start, stop  # noqa: E402 (bench/ is the script's folder)

from engine.core.inbound import InboundText, RouteEntry, Router  # noqa: E402

NUMBERS = ["+3247000000" + str(i) for i in range(4)]
FILLER = (
    "hello hi please can you tell me what is the time today thanks ok yes no maybe later send info about "
    "my order delivery price offer stop start join help menu balance account"
).split()
REGEXES = [
    r"^(?:order|ord)[ #-]?(\d{{4,8}})$",
    r"\b{w}\d{{2,4}}\b",
    r"^{w}\s+(\w+)$",
    r"(?:^|\s){w}(?:\s|$)",
    r"{w}[- ]?code\s*[:=]?\s*[A-Z0-9]{{6}}",
]


def keyword(rng: random.Random) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))


def make_entries(rng: random.Random, conditions: int, flows: int) -> tuple[list[RouteEntry], list[str]]:
    """`flows` entries sharing `conditions` conditions; returns them and the keywords they listen for."""
    per_flow: list[list[dict]] = [[] for _ in range(flows)]
    keywords: list[str] = []
    for n in range(conditions):
        roll = rng.random()
        word = keyword(rng)
        if roll < 0.45:
            values = [word] + ([keyword(rng)] if rng.random() < 0.3 else [])
            condition: dict = {"operator": "matches_text", "values": values}
        elif roll < 0.80:
            values = [word if rng.random() < 0.9 else f"{word} {keyword(rng)}"]
            condition = {"operator": "contains_word", "values": values}
        elif roll < 0.93:
            condition = {"operator": "contains_text", "values": [word]}
        elif roll < 0.96:
            pattern = rng.choice(REGEXES).format(w=word)
            condition = {
                "operator": "matches_regex",
                "pattern": pattern,
                "ignore_case": rng.random() < 0.5,
                "multiline": rng.random() < 0.3,
            }
        elif roll < 0.98:
            condition = {
                "operator": "equals_attribute",
                "attribute": rng.choice(["code", "city", "member_no"]),
            }
        else:
            condition = {"operator": "anything"}
        keywords.append(word)
        per_flow[n % flows].append(condition)
    entries = [
        RouteEntry(
            key=i,
            channel=rng.choice(["sms", "sms", "sms", "email"]),
            # "Anything" only on a catch-all number: on every number it would take every message.
            recipient=NUMBERS[0]
            if any(c["operator"] == "anything" for c in found)
            else rng.choice(NUMBERS[1:])
            if rng.random() < 0.25
            else "",
            conditions=tuple(found),
            priority=rng.randint(1, 5),
        )
        for i, found in enumerate(per_flow)
    ]
    return entries, keywords


def make_bodies(rng: random.Random, keywords: list[str], count: int) -> list[str]:
    bodies = []
    for _ in range(count):
        if rng.random() < 0.05:  # a keyword on its own, as people send them
            bodies.append(f" {rng.choice(keywords).capitalize()} ")
            continue
        words = rng.choices(FILLER, k=rng.randint(1, 12))
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words) + 1), rng.choice(keywords).upper())
        body = " ".join(words)
        if rng.random() < 0.1:
            body = body.replace(" ", "\n", 1) + "!"
        bodies.append(body)
    return bodies


def pct(values: list[float], p: float) -> float:
    return (
        statistics.quantiles(values, n=1000, method="inclusive")[int(p * 10) - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conditions", type=int, default=10_000)
    parser.add_argument("--flows", type=int, default=1_000)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--webhooks", type=int, default=3000, help="single-message webhooks to send")
    parser.add_argument("--batch", type=int, default=100, help="messages per webhook in the batched run")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument(
        "--senders",
        type=int,
        default=2000,
        help="phone numbers the messages come from (new ones are created)",
    )
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    # --- 1. routing: Router.decide per inbound message ------------------------------------------------------
    entries, keywords = make_entries(rng, args.conditions, args.flows)
    started = time.perf_counter()
    router = Router(entries)
    built = time.perf_counter() - started
    print(f"router over {len(entries)} entries, {args.conditions} conditions: built in {built * 1000:.0f} ms")
    person = {"code": "XK42", "city": "Gent", "member_no": 1234567}
    messages = [
        InboundText(
            "sms" if rng.random() < 0.8 else "email", body, "+32470111111", rng.choice(NUMBERS + [""])
        )
        for body in make_bodies(rng, keywords, args.messages)
    ]
    router.decide(messages[0], person, rng)  # the first search builds the RE2 DFAs' first states

    decide_ms, routed = [], Counter()
    for message in messages:
        started = time.perf_counter()
        decision = router.decide(message, person, rng)
        decide_ms.append((time.perf_counter() - started) * 1000)
        routed[decision.operator if decision else "nothing"] += 1

    table = {k: k for k in keywords}
    baseline_ms = []
    for message in messages:
        started = time.perf_counter()
        table.get(message.body.casefold().strip())
        baseline_ms.append((time.perf_counter() - started) * 1000)

    print(f"{'':>22} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, values in (("decide", decide_ms), ("baseline", baseline_ms)):
        print(f"{name:>22} {pct(values, 50):>8.4f} {pct(values, 99):>8.4f} {max(values):>8.3f}")
    print(
        f"{args.messages} messages routed by {', '.join(f'{k}: {v}' for k, v in routed.most_common())}; "
        f"decide p99 is "
        f"{pct(decide_ms, 99) / pct(baseline_ms, 99):.0f}x the baseline's p99 (goal: p99 <= 1 ms)"
    )

    # --- 2. end to end: webhooks processed per second -------------------------------------------------------
    if not args.skip_end_to_end:
        end_to_end(args, entries, rng)


# --- 2. end to end ------------------------------------------------------------------------------------------

PG_DATABASE = "flowdesigner_bench_inbound"


def end_to_end(args, entries: list[RouteEntry], rng: random.Random) -> None:
    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-inbound-")
    pg_server = args.database_url if args.database_url.startswith("postgres") else ""
    os.environ["DATABASE_URL"] = (
        pg_create(pg_server, PG_DATABASE) if pg_server else f"sqlite:///{tmp}/bench.sqlite3"
    )
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    procs: list[subprocess.Popen] = []
    try:
        channel = setup(entries)
        port = free_port()
        procs = start_stack(port, workers=2 if pg_server else 1, tmp=tmp)
        base = f"http://127.0.0.1:{port}"
        wait_http(base)
        print(
            f"end to end: {os.environ['DATABASE_URL'].split(':')[0]}, "
            f"channel layer {'redis' if os.environ.get('REDIS_URL') else 'embedded'}",
            flush=True,
        )
        bodies = make_bodies(
            rng, [w for e in entries for c in e.conditions for w in c.get("values", [])], args.webhooks * 2
        )
        floor = send_all(
            base,
            channel,
            [[b] for b in bodies[: args.webhooks]],
            args.clients,
            sign=False,
            rng=rng,
            senders=args.senders,
        )
        print(f"{'':>28} {'webhooks/s':>11} {'messages/s':>11} {'processed/s':>12}")
        print(f"{'baseline (refused, 401)':>28} {floor:>11.0f} {'-':>11} {'-':>12}", flush=True)
        for label, groups in (
            ("one message per webhook", [[b] for b in bodies[: args.webhooks]]),
            (
                f"{args.batch} messages per webhook",
                [bodies[i : i + args.batch] for i in range(args.webhooks, 2 * args.webhooks, args.batch)],
            ),
        ):
            count = sum(len(g) for g in groups)
            started = time.perf_counter()
            rate = send_all(base, channel, groups, args.clients, sign=True, rng=rng, senders=args.senders)
            accepted = time.perf_counter() - started
            processed = wait_routed(started)
            print(
                f"{label:>28} {rate:>11.0f} {count / accepted:>11.0f} {count / processed:>12.0f}"
                f"  ({floor / rate:.1f}x the baseline's webhooks/s)",
                flush=True,
            )
        report_outcomes()
    finally:
        for proc in procs:
            stop(proc)
        if pg_server:
            pg_drop(pg_server, PG_DATABASE)
        shutil.rmtree(tmp, ignore_errors=True)


def setup(entries: list[RouteEntry]):
    """A migrated database with one SMS simulator channel on every number and one active flow per entry."""
    import django

    django.setup()
    from django.core.management import call_command

    from engine import activation
    from flowdesigner import services as flow_services
    from messaging.models import Channel
    from people import services as people_services
    from people.models import AttributeDefinition

    call_command("migrate", verbosity=0)
    for key, data_type in (("code", "TEXT"), ("city", "TEXT"), ("member_no", "NUMBER")):
        if not AttributeDefinition.objects.filter(key=key).exists():
            people_services.attribute_definition_create(key=key, label=key, data_type=data_type)
    channel = Channel.objects.create(
        kind="sms", name="Bench", identities=NUMBERS, secret="bench-secret", creates_people=True
    )
    started = time.perf_counter()
    for i, entry in enumerate(entries):
        doc = {
            "spec_version": 1,
            "settings": {"priority": entry.priority},
            "nodes": [
                {
                    "id": "in",
                    "type": "inbound_message",
                    "config": {
                        "channel": "sms",
                        "recipient": entry.recipient,
                        "conditions": list(entry.conditions),
                        "capture": [],
                    },
                    "exits": {"next": "hello"},
                },
                {
                    "id": "hello",
                    "type": "message",
                    "config": {"text": "Hello", "buttons": [{"id": "ok", "caption": "OK"}], "channel": "sms"},
                    "exits": {"ok": "done"},
                },
                {"id": "done", "type": "exit", "config": {"name": "Done"}, "exits": {}},
            ],
        }
        flow = flow_services.flow_create(name=f"Inbound {i}", definition=doc)
        flow_services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        activation.flow_activate(flow_id=flow.pk)
        if (i + 1) % 100 == 0:
            print(f"  {i + 1} flows active ({time.perf_counter() - started:.0f} s)", flush=True)
    return channel


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_stack(port: int, *, workers: int, tmp: str) -> list[subprocess.Popen]:
    commands = [
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "flowdesigner.asgi:application"]
    ]
    commands += [[sys.executable, "manage.py", "worker", "--only", "outbox"]] * workers
    procs = [start(command, cwd=ROOT, log=Path(tmp) / f"proc-{i}.log") for i, command in enumerate(commands)]
    return procs


def wait_http(base: str) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/login/", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise SystemExit("daphne did not start")


def send_all(base, channel, groups: list[list[str]], clients: int, *, sign: bool, rng, senders: int) -> float:
    """POST each group of bodies as one webhook (from --clients threads with keep-alive); webhooks/s."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    url = f"{base}/webhooks/{channel.uuid}/inbound/"
    secret = channel.secret.encode() if sign else b"wrong"
    payloads = []
    for group in groups:
        items = [
            {
                "id": os.urandom(8).hex(),
                "from": f"+3247{rng.randrange(senders):07d}",
                "to": NUMBERS[rng.randrange(4)],
                "text": body,
            }
            for body in group
        ]
        body = json.dumps(items[0] if len(items) == 1 else {"messages": items}).encode()
        signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
        payloads.append((body, {"Content-Type": "application/json", "X-Signature": f"sha256={signature}"}))
    sessions: dict[int, requests.Session] = {}

    def post(payload) -> int:
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        return session.post(url, data=payload[0], headers=payload[1], timeout=60).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        statuses = Counter(pool.map(post, payloads))
    elapsed = time.perf_counter() - started
    expected = 200 if sign else 401
    if set(statuses) != {expected}:
        log = Path(os.environ["FLOWDESIGNER_VAR_DIR"]) / "proc-0.log"
        tail = log.read_text(errors="replace").splitlines()[-60:] if log.exists() else []
        raise SystemExit(f"unexpected answers: {dict(statuses)}; daphne's log ends:\n" + "\n".join(tail))
    return len(payloads) / elapsed


def wait_routed(started: float) -> float:
    """Seconds from `started` until no inbound message is pending and no SMS is queued."""
    from messaging.models import Message

    while True:
        pending = Message.objects.filter(direction="in", routing=Message.Routing.PENDING).exists()
        queued = Message.objects.filter(direction="out", status=Message.Status.QUEUED).exists()
        if not pending and not queued:
            return time.perf_counter() - started
        time.sleep(0.05)


def report_outcomes() -> None:
    from messaging.models import Message

    routed = Counter(Message.objects.filter(direction="in").values_list("routing", flat=True))
    sent = Message.objects.filter(direction="out").count()
    print(f"outcomes: {dict(routed)}; {sent} SMS sent", flush=True)


if __name__ == "__main__":
    main()
