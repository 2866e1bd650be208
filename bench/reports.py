"""Benchmark: a flow's performance page and results canvas at 100,000 and 1,000,000 participants, in server
time, against a trivial authenticated request measured in the same run.

    .venv/bin/python bench/reports.py [--participants 100000 1000000] [--database-url URL] [--repeat 5]
                                      [--queries] [--keep]

Without --database-url it uses a fresh SQLite file in a temporary folder (the embedded mode), removed at
the end unless --keep; with a PostgreSQL URL it uses that (empty) database, migrating it first.

Generated: one published flow of 28 elements (a Predefined audience, Messages with 2-3 buttons and reply
timeouts, Form messages with single_select, slider, text_block, date_select and gps_location widgets, a
Random split, an Update tags, a Wait and 12 Exits), then one person and one participant per row up to
each size (growing from one size to the next), each participant walked through the flow at random as the
runtime would have moved it: its state (history, form and message results), 1-7 `ParticipantStep` rows,
an outbound `Message` per message sent (statuses: queued, sent, read, expired, failed), created over the
last 60 days, in one of three launches (or none); about 40 % wait at a message or the Wait, the others
completed at an Exit, failed or were removed (exited). Rows are written with COPY on PostgreSQL and
executemany on SQLite, in batches of 10,000 participants, with a progress line every 100,000; the
counters are then rebuilt from that history with `engine.reports.rebuild.counters_rebuild` (timed: what
`manage.py reports_rebuild` costs at that size), and the planner statistics refreshed.

Measured: Django's test client in this process (a logged-in marketer), so the figures are server time
(URL routing, middleware, session, views, queries, JSON or template rendering; no network, no daphne).
Every request is made once to warm up, then --repeat times; best and median in milliseconds and the
median's ratio to the baseline (`GET /api/flows/<id>/`, the flow with its draft and its issues).

- performance page, what it asks for when it opens: `/flows/<id>/performance/` + `/api/flows/<id>/report/`
  + `.../report/activity/` (the last 7 days by hour) + `.../report/answers/<id>/` for every Form message
  whose answers are listed (text, location); the sum is held to 300 ms.
- results canvas: `/flows/<id>/design/` + `/api/flows/<id>/report/?version=<n>` + the first page of
  `/api/flows/<id>/participants/?element=<the message most people wait at>`; the sum is held to 300 ms.
- informational: clicks on quieter elements (the fewest waiting, nobody waiting), the activity of the
  whole 60 days, the participants list by status, answer and launch tag, the launches, the participants
  page, and the time to the first 64 KB of the CSV export.
A route that does not exist (yet) is reported with its HTTP status, and the sum it belongs to says so.
With --queries each request is run once more with its SQL captured: the number of queries, their time,
and the slowest one with its plan (EXPLAIN ANALYZE on PostgreSQL) when it took 20 ms or more.
"""

import argparse
import datetime as dt
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BATCH = 10_000  # participants per transaction
PROGRESS = 100_000  # a progress line every this many participants
DAYS = 60  # participants were created over the last DAYS days
TARGET_MS = 300.0
CSV_BYTES = 64 * 1024
# Form widgets whose answers the performance page lists (engine/reports/selectors.py), one request each.
LISTED_WIDGETS = ("text_line", "text_block", "auto_complete", "gps_location", "photo_upload")
SLOW_QUERY_MS = 20.0  # --queries explains queries at least this slow
FIRST = ["Ann", "Bob", "Chloé", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jan", "Kim", "Lea"]
LAST = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens"]


# --- the flow ----------------------------------------------------------------------------------------


def _node(id: str, type: str, config: dict, exits: dict | None = None) -> dict:
    return {"id": id, "type": type, "config": config, "exits": exits or {}}


def _buttons(*pairs: tuple[str, str]) -> list[dict]:
    return [{"id": button, "caption": caption} for button, caption in pairs]


def _choices(*pairs: tuple[str, str]) -> list[dict]:
    return [{"value": value, "label": label} for value, label in pairs]


def _form(text: str, widget: dict) -> dict:
    return {"text": text, "widget": widget}


TWO_DAYS = {"amount": 2, "unit": "days"}
CHANNELS = _choices(("web", "Web shop"), ("store", "In a store"), ("phone", "By phone"), ("app", "The app"))
INTERESTS = _choices(("shoes", "Shoes"), ("bags", "Bags"), ("kids", "Kids"), ("sport", "Sport"))
EXITS = {
    "bye_survey": "Survey done",
    "bye_survey_partial": "Survey partly done",
    "bye_declined": "Declined the survey",
    "bye_coupon": "Took the coupon",
    "bye_visit": "Booked a visit",
    "bye_late_coupon": "Took the coupon late",
    "bye_late_no": "No coupon",
    "bye_no_offer": "Refused the offer",
    "bye_silent": "No answer",
    "bye_stop": "Stopped",
    "bye_interest": "Told interests",
    "bye_where": "Told location",
}


def flow_definition(tag_id: int) -> dict:
    """A realistic survey-and-offer flow: 16 steps and 12 exits, at most 7 elements deep."""
    nodes = [
        _node("audience", "predefined_audience", {"tags": [tag_id]}, {"next": "welcome"}),
        _node(
            "welcome",
            "message",
            {
                "text": "Hi {{ person.first_name }}! Two minutes for our survey, or straight to the offer?",
                "buttons": _buttons(
                    ("survey", "Take the survey"), ("offer", "Show the offer"), ("stop", "Stop")
                ),
                "timeout": {"amount": 3, "unit": "days"},
            },
            {"survey": "q_channel", "offer": "split", "stop": "tag_stop", "no_answer": "reminder"},
        ),
        _node(
            "q_channel",
            "form_message",
            _form("How do you usually shop with us?", {"type": "single_select", "choices": CHANNELS}),
            {"positive": "q_score", "negative": "bye_declined"},
        ),
        _node(
            "q_score",
            "form_message",
            _form("How likely are you to recommend us?", {"type": "slider", "min": 0, "max": 10, "step": 1}),
            {"positive": "q_comment", "negative": "bye_survey_partial"},
        ),
        _node(
            "q_comment",
            "form_message",
            _form("Anything else you want to tell us?", {"type": "text_block", "max_chars": 500}),
            {"positive": "bye_survey", "negative": "bye_survey"},
        ),
        _node(
            "split",
            "random_split",
            {"branches": [{"id": "a", "name": "A", "percent": 50}, {"id": "b", "name": "B", "percent": 50}]},
            {"a": "offer_a", "b": "offer_b"},
        ),
        _node(
            "offer_a",
            "message",
            {
                "text": "20 % off everything this week.",
                "buttons": _buttons(("accept", "I want it"), ("later", "Remind me"), ("no", "No thanks")),
                "timeout": TWO_DAYS,
            },
            {"accept": "code", "later": "pause", "no": "bye_no_offer", "no_answer": "bye_silent"},
        ),
        _node(
            "offer_b",
            "message",
            {"text": "Free delivery this week.", "buttons": _buttons(("accept", "I want it"), ("no", "No"))},
            {"accept": "code", "no": "bye_no_offer"},
        ),
        _node(
            "code",
            "message",
            {
                "text": "Your code: SAVE20",
                "buttons": _buttons(("ok", "Thanks"), ("visit", "Book a store visit")),
            },
            {"ok": "bye_coupon", "visit": "q_visit"},
        ),
        _node(
            "q_visit",
            "form_message",
            _form("When will you come by?", {"type": "date_select", "mode": "date"}),
            {"positive": "bye_visit", "negative": "bye_coupon"},
        ),
        _node(
            "pause",
            "wait",
            {"mode": "duration", "duration": {"amount": 1, "unit": "days"}},
            {"next": "last_chance"},
        ),
        _node(
            "last_chance",
            "message",
            {"text": "Last chance for 20 % off!", "buttons": _buttons(("yes", "Yes please"), ("no", "No"))},
            {"yes": "bye_late_coupon", "no": "bye_late_no"},
        ),
        _node(
            "reminder",
            "message",
            {
                "text": "Still interested in hearing from us?",
                "buttons": _buttons(("yes", "Yes"), ("no", "No, stop")),
                "timeout": TWO_DAYS,
            },
            {"yes": "q_interest", "no": "tag_stop", "no_answer": "bye_silent"},
        ),
        _node(
            "q_interest",
            "form_message",
            _form("What interests you most?", {"type": "single_select", "choices": INTERESTS}),
            {"positive": "bye_interest", "negative": "q_where"},
        ),
        _node(
            "q_where",
            "form_message",
            _form("Where are you? We will find the nearest store.", {"type": "gps_location", "gps": True}),
            {"positive": "bye_where", "negative": "bye_where"},
        ),
        _node("tag_stop", "update_tags", {"remove": [tag_id]}, {"next": "bye_stop"}),
        *(_node(node_id, "exit", {"name": name}) for node_id, name in EXITS.items()),
    ]
    ui = {n["id"]: {"x": 280 * (i % 7), "y": 160 * (i // 7)} for i, n in enumerate(nodes)}
    return {"spec_version": 1, "nodes": nodes, "ui": {"nodes": ui}}


# How participants move: per element, the weights of its exits (a reply timeout's "no_answer" included)
# and, for steps that wait, how likely a participant is still waiting there now.
EXIT_WEIGHTS = {
    "audience": {"next": 1},
    "welcome": {"survey": 45, "offer": 35, "stop": 5, "no_answer": 15},
    "q_channel": {"positive": 85, "negative": 15},
    "q_score": {"positive": 90, "negative": 10},
    "q_comment": {"positive": 40, "negative": 60},
    "split": {"a": 50, "b": 50},
    "offer_a": {"accept": 40, "later": 25, "no": 20, "no_answer": 15},
    "offer_b": {"accept": 55, "no": 45},
    "code": {"ok": 70, "visit": 30},
    "q_visit": {"positive": 80, "negative": 20},
    "pause": {"next": 1},
    "last_chance": {"yes": 40, "no": 60},
    "reminder": {"yes": 40, "no": 30, "no_answer": 30},
    "q_interest": {"positive": 75, "negative": 25},
    "q_where": {"positive": 70, "negative": 30},
    "tag_stop": {"next": 1},
}
STILL_WAITING = {"welcome": 0.22}  # default for other waiting steps: WAITING
WAITING = 0.12
FAILED = 0.006  # a step fails (per step entered)
REMOVED = 0.03  # a waiting participant was removed by staff (exited)


class Walker:
    """Random walks through the flow, written as the runtime and engine/effects.py would have."""

    def __init__(self, definition: dict, rng: random.Random, now: dt.datetime):
        self.rng = rng
        self.now = now
        self.nodes = {n["id"]: n for n in definition["nodes"]}
        self.exits = {
            node_id: (list(weights), list(weights.values())) for node_id, weights in EXIT_WEIGHTS.items()
        }

    def walk(self, created_at: dt.datetime) -> dict:
        """One participant: {"state", "status", "current", "completed_at", "wait", "steps" (history
        entries), "messages"}."""
        rng = self.rng
        t = created_at
        history: list[dict] = []
        results: list[dict] = []
        messages: list[dict] = []
        node_id = "audience"
        status, wait, completed_at, exit_ = "active", None, None, None
        while True:
            node = self.nodes[node_id]
            kind = node["type"]
            entry = {
                "node_id": node_id,
                "type": kind,
                "entered_at": t.isoformat(),
                "left_at": None,
                "exit": None,
            }
            history.append(entry)
            if kind == "exit":
                entry["left_at"] = t.isoformat()
                status, completed_at = "completed", t
                exit_ = {"node_id": node_id, "name": node["config"]["name"]}
                break
            if rng.random() < FAILED:
                status, completed_at = "failed", t
                break
            message = None
            if kind in ("message", "form_message"):
                message = self._message(node, t)
                messages.append(message)
                entry["memo"] = {"text": message["text"]}
            waits = kind in ("message", "form_message", "wait")
            if waits and rng.random() < STILL_WAITING.get(node_id, WAITING):
                status = "waiting"
                wait = self._wait(node, t)
                break
            t = self._later(t, kind)
            if waits and rng.random() < REMOVED:
                entry.pop("memo", None)
                entry.update(left_at=t.isoformat(), exit="removed", note="Removed by staff")
                status, completed_at = "exited", t
                if message is not None:
                    message["status"] = "expired"
                break
            names, weights = self.exits[node_id]
            exit_name = rng.choices(names, weights)[0]
            entry.pop("memo", None)
            entry.update(left_at=t.isoformat(), exit=exit_name)
            if message is not None:
                self._answer(node, message, exit_name, t, results)
            node_id = node["exits"][exit_name]
        state = {
            "status": status,
            "current": node_id,
            "variables": {},
            "history": history,
            "steps": results,
            "exit": exit_,
            "wait": wait,
        }
        return {
            "state": state,
            "status": status,
            "current": node_id,
            "completed_at": completed_at,
            "wait": wait,
            "history": history,
            "messages": messages,
        }

    def _later(self, t: dt.datetime, kind: str) -> dt.datetime:
        """When the participant left a step entered at t: a day for the Wait, minutes to hours for a
        reply, never after now."""
        if kind == "wait":
            gap = dt.timedelta(days=1)
        elif kind in ("message", "form_message"):
            gap = dt.timedelta(seconds=self.rng.expovariate(1 / 3600))
        else:
            gap = dt.timedelta(milliseconds=self.rng.randrange(1, 50))
        if t + gap > self.now:
            gap = (self.now - t) * self.rng.random()
        return t + gap

    def _wait(self, node: dict, t: dt.datetime) -> dict:
        if node["type"] == "wait":
            return {"kind": "timer", "wake_at": (t + dt.timedelta(days=1)).isoformat(), "event": None}
        timeout = node["config"].get("timeout")
        if not timeout:
            return {"kind": "reply", "wake_at": None, "event": None}
        wake = t + dt.timedelta(days=timeout["amount"])
        if wake < self.now:  # the timer loop would have woken it already: due soon instead
            wake = self.now + dt.timedelta(minutes=self.rng.randrange(1, 600))
        return {"kind": "reply", "wake_at": wake.isoformat(), "event": None}

    def _message(self, node: dict, t: dt.datetime) -> dict:
        config = node["config"]
        rng = self.rng
        status = rng.choices(["sent", "read", "queued", "failed"], [60, 34, 5, 1])[0]
        options: dict = {}
        buttons = config.get("buttons", [])
        if node["type"] == "form_message":
            options = {
                "form": {
                    "widget": config["widget"],
                    "positive_caption": "Submit",
                    "negative_caption": "Cancel",
                }
            }
        return {
            "node_id": node["id"],
            "text": config["text"].replace("{{ person.first_name }}", rng.choice(FIRST)),
            "buttons": buttons,
            "options": options,
            "status": status,
            "created_at": t,
            "status_at": t,
            "answered_button_id": "",
            "answered_at": None,
            "form_result": None,
            "display_value": "",
            "result_index": None,
        }

    def _answer(self, node: dict, message: dict, exit_name: str, t: dt.datetime, results: list[dict]) -> None:
        """Record an answer (or the timeout) on the message and in the results steps."""
        if exit_name == "no_answer":
            message["status"] = "expired"
            return
        message.update(status="read", status_at=t, answered_button_id=exit_name, answered_at=t)
        common = {
            "step_id": node["id"],
            "message": message["text"],
            "received_at": message["created_at"].isoformat(),
        }
        if node["type"] == "message":
            caption = next(b["caption"] for b in node["config"]["buttons"] if b["id"] == exit_name)
            result = {
                **common,
                "step_type": "message_step",
                "answer_id": exit_name,
                "button": caption,
                "form_result": None,
                "display_value": caption,
            }
        else:
            form_result, display = None, "Cancel"
            if exit_name == "positive":
                form_result, display = self._form_value(node["config"]["widget"], t)
            result = {
                **common,
                "step_type": "form_step",
                "answer_id": exit_name,
                "button": "Submit" if exit_name == "positive" else "Cancel",
                "form_result": form_result,
                "display_value": display,
            }
            message.update(form_result=form_result, display_value=display)
        result["acknowledged_at"] = t.isoformat()
        message["result_index"] = len(results)
        results.append(result)

    def _form_value(self, widget: dict, t: dt.datetime) -> tuple[dict, str]:
        rng = self.rng
        kind = widget["type"]
        if kind == "single_select":
            choice = rng.choices(widget["choices"], [50, 30, 15, 5])[0]
            return {"type": "unicode_result", "value": choice["value"]}, choice["label"]
        if kind == "slider":
            value = float(min(10, max(0, round(rng.gauss(7, 2)))))
            return {"type": "float_result", "value": value}, str(int(value))
        if kind == "text_block":
            text = rng.choice(["Great service", "Too expensive", "Faster delivery please", "Love the app"])
            return {"type": "unicode_result", "value": text}, text
        if kind == "date_select":
            day = (t + dt.timedelta(days=rng.randrange(1, 30))).date()
            at = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
            return {"type": "long_result", "value": int(at.timestamp())}, day.isoformat()
        lat, lng = 50.85 + rng.uniform(-0.5, 0.5), 4.35 + rng.uniform(-0.5, 0.5)
        value = {
            "latitude": lat,
            "longitude": lng,
            "accuracy": 20,
            "altitude": None,
            "timestamp": int(t.timestamp()),
        }
        return {"type": "location_result", "value": value}, f"{lat:.6f}, {lng:.6f}"


# --- generation and measurement ------------------------------------------------------------------------


def main() -> None:
    """Parse the arguments and run the benchmark in a temporary folder (removed unless --keep)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--queries", action="store_true", help="print each request's query count and slowest SQL"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (the SQLite file)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="flowdesigner-bench-")
    try:
        run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)  # a million participants take gigabytes on SQLite


def run(args: argparse.Namespace, tmp: str) -> None:
    """Migrate, generate each size in turn, rebuild the counters, measure and print the table."""
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["FLOWDESIGNER_VAR_DIR"] = tmp
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flowdesigner.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"database: {connection.vendor}; preparing schema ...", flush=True)
    call_command("migrate", verbosity=0)
    bench = Bench(connection, repeat=args.repeat)
    bench.prepare()
    print(f"flow {bench.flow.pk} ({len(bench.definition['nodes'])} elements), version {bench.version.number}")
    from engine.reports.rebuild import counters_rebuild

    for n in sorted(args.participants):
        generated = bench.grow_to(n)
        print(f"{n:,} participants generated in {generated:.1f} s", flush=True)
        started = time.perf_counter()
        counters_rebuild([bench.version.pk])
        print(f"counters_rebuild at {n:,} participants: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        bench.analyze()
        print(f"analyze: {time.perf_counter() - started:.1f} s", flush=True)
        bench.report(n, bench.measure(show_queries=args.queries))


class Bench:
    """The benchmark's database work: the fixed rows, the generated participants and the measurements."""

    def __init__(self, connection: Any, *, repeat: int):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.repeat = repeat
        self.rng = random.Random(11)  # the same participants every run
        self.now = dt.datetime.now(dt.UTC)
        self.size = 0

    # --- fixed rows --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """The marketer, the tag, the published flow and its launches."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models import Max

        from engine.models import Launch, Participant
        from flowdesigner import services
        from flowdesigner.roles import MARKETER
        from people.models import Person, Tag

        if Participant.objects.exists():
            sys.exit("The database already has participants: give an empty database (or none for SQLite).")
        user = get_user_model().objects.create_user(f"bench-{time.time_ns()}", password="x")
        user.groups.add(Group.objects.get_or_create(name=MARKETER)[0])
        self.user = user
        tag = Tag.objects.create(name=f"bench-reports-{time.time_ns()}")
        self.definition = flow_definition(tag.pk)
        flow = services.flow_create(name="Bench: survey and offer", definition=self.definition)
        self.version = services.flow_publish(flow_id=flow.pk, revision=flow.draft_revision)
        flow.status = flow.Status.ACTIVE  # not activated through the service: no triggers wanted here
        flow.save(update_fields=["status"])
        self.flow = flow
        self.launches = [
            Launch.objects.create(
                version=self.version, audience={"tags": [tag.pk]}, launch_tag=name, status=Launch.Status.DONE
            ).pk
            for name in ("oct", "nov", "dec")
        ]
        self.walker = Walker(self.definition, self.rng, self.now)
        self.person_base = Person.objects.aggregate(m=Max("id"))["m"] or 0

    # --- generation ------------------------------------------------------------------------------

    def grow_to(self, n: int) -> float:
        """Add participants (with their persons, steps and messages) up to n in all; the seconds taken."""
        from django.db import transaction

        if not self.pg:
            # Per connection, and the measured requests of a smaller size closed the previous one.
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA cache_size = -200000")
        started = time.perf_counter()
        rows = 0
        for first in range(self.size + 1, n + 1, BATCH):
            ids = range(first, min(first + BATCH, n + 1))
            with transaction.atomic():
                rows += self.insert_batch(ids)
            done = ids[-1]
            if done % PROGRESS == 0 or done == n:
                elapsed = time.perf_counter() - started
                print(
                    f"  {done:>9,} participants, {rows:>10,} rows ({(done - self.size) / elapsed:,.0f} "
                    f"participants/s, {rows / elapsed:,.0f} rows/s)",
                    flush=True,
                )
        if self.pg:
            with self.connection.cursor() as cursor:
                for table, last in (
                    ("people_person", self.person_base + n),
                    ("engine_participant", n),
                ):
                    cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])
        self._launch_totals()
        self.size = n
        return time.perf_counter() - started

    def insert_batch(self, ids: range) -> int:
        """Write one batch of participants (ids as given) and everything of theirs; the rows written."""
        from engine.models import Participant, ParticipantStep
        from messaging.models import Message
        from people.models import Person

        rng, walker, now = self.rng, self.walker, self.now
        persons, participants, steps, messages = [], [], [], []
        span = DAYS * 86400 - 600
        for pk in ids:
            person = self.person_base + pk
            created = now - dt.timedelta(seconds=600 + rng.random() * span)
            persons.append(
                (person, rng.choice(FIRST), rng.choice(LAST), "en", "Europe/Brussels", True, now, now)
            )
            run = walker.walk(created)
            wait = run["wait"] or {}
            wake = wait.get("wake_at")
            third = min(2, int((now - created).total_seconds() // (span / 3)))
            launch = None if rng.random() < 0.1 else self.launches[2 - third]
            participants.append(
                (
                    pk,
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    self.version.pk,
                    person,
                    launch,
                    run["status"],
                    run["current"],
                    json.dumps(run["state"], separators=(",", ":")),
                    wait.get("kind") or "",
                    dt.datetime.fromisoformat(wake) if wake else None,
                    len(run["history"]),
                    created,
                    run["completed_at"] or created,
                    run["completed_at"],
                )
            )
            for seq, entry in enumerate(run["history"]):
                left = entry["left_at"]
                steps.append(
                    (
                        pk,
                        seq,
                        entry["node_id"],
                        entry["type"],
                        dt.datetime.fromisoformat(entry["entered_at"]),
                        dt.datetime.fromisoformat(left) if left else None,
                        entry["exit"] or "",
                    )
                )
            for m in run["messages"]:
                form = m["form_result"]
                messages.append(
                    (
                        person,
                        pk,
                        m["node_id"],
                        "out",
                        "web",
                        m["status"],
                        m["text"],
                        json.dumps(m["buttons"]),
                        json.dumps(m["options"]),
                        m["answered_button_id"],
                        m["answered_at"],
                        None if form is None else json.dumps(form),
                        m["display_value"],
                        m["result_index"],
                        m["status_at"],
                        m["created_at"],
                        None if m["status"] == "queued" else m["created_at"],
                    )
                )
        self.write(
            Person,
            ["id", "first_name", "last_name", "language", "timezone", "opt_in", "created_at", "updated_at"],
            persons,
        )
        self.write(
            Participant,
            [
                "id",
                "uuid",
                "version_id",
                "person_id",
                "launch_id",
                "status",
                "current_node",
                "state",
                "wait_kind",
                "wake_at",
                "step_count",
                "created_at",
                "updated_at",
                "completed_at",
            ],
            participants,
        )
        self.write(
            ParticipantStep,
            ["participant_id", "seq", "node_id", "node_type", "entered_at", "left_at", "exit_name"],
            steps,
        )
        self.write(
            Message,
            [
                "person_id",
                "participant_id",
                "node_id",
                "direction",
                "channel",
                "status",
                "text",
                "buttons",
                "options",
                "answered_button_id",
                "answered_at",
                "form_result",
                "display_value",
                "result_index",
                "status_at",
                "created_at",
                "sent_at",
            ],
            messages,
        )
        return len(persons) + len(participants) + len(steps) + len(messages)

    def write(self, model: Any, columns: Sequence[str], rows: list[tuple]) -> None:
        """COPY (PostgreSQL) or executemany (SQLite) the rows into the model's table; the other NOT NULL
        columns get the field's default, so new columns of the lead's models do not break the bench."""
        if not rows:
            return
        extra = [
            (f.column, f.get_default())
            for f in model._meta.concrete_fields
            if f.column not in columns and not f.primary_key and not f.null
        ]
        names = [*columns, *(column for column, _ in extra)]
        tail = tuple(json.dumps(value) if isinstance(value, dict | list) else value for _, value in extra)
        table = model._meta.db_table
        raw = self.connection.connection
        if self.pg:
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row + tail)
            return
        marks = ", ".join("?" for _ in names)
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 (our tables)
        raw.executemany(sql, _sqlite_rows(rows, tail))

    def _launch_totals(self) -> None:
        from django.db.models import Count

        from engine.models import Launch, Participant

        counts = Participant.objects.filter(launch__isnull=False).values("launch").annotate(n=Count("id"))
        for row in counts:
            Launch.objects.filter(pk=row["launch"]).update(
                total=row["n"], entered=row["n"], finished_at=self.now
            )

    def analyze(self) -> None:
        """Fresh planner statistics (and, on PostgreSQL, the visibility map autovacuum would have set)."""
        with self.connection.cursor() as cursor:
            if self.pg:
                for table in (
                    "people_person",
                    "engine_participant",
                    "engine_participantstep",
                    "messaging_message",
                ):
                    cursor.execute(f"VACUUM ANALYZE {table}")
                cursor.execute("ANALYZE")
            else:
                cursor.execute("ANALYZE")

    # --- measuring -------------------------------------------------------------------------------

    def requests(self) -> list[tuple[str, str, str]]:
        """(group, label, path) of every request measured; group "" is informational."""
        flow, number = self.flow.pk, self.version.number
        start = (self.now - dt.timedelta(days=DAYS)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        end = self.now.replace(microsecond=0).isoformat().replace("+00:00", "Z")
        busiest, quietest = self._waiting_at()
        nobody = next(node["id"] for node in self.definition["nodes"] if node["type"] == "exit")
        return [
            ("baseline", "GET /api/flows/<id>/", f"/api/flows/{flow}/"),
            ("performance", "page /flows/<id>/performance/", f"/flows/{flow}/performance/"),
            ("performance", "report (all versions)", f"/api/flows/{flow}/report/"),
            ("performance", "activity (default: 7 days, hourly)", f"/api/flows/{flow}/report/activity/"),
            # The page lists the latest answers of every Form message whose widget is listed, not counted.
            *(
                (
                    "performance",
                    f"answers {node_id} ({widget})",
                    f"/api/flows/{flow}/report/answers/{node_id}/?limit=50",
                )
                for node_id, widget in self._listed_forms()
            ),
            ("canvas", "page /flows/<id>/design/", f"/flows/{flow}/design/"),
            ("canvas", f"report ?version={number}", f"/api/flows/{flow}/report/?version={number}"),
            (
                "canvas",
                f"participants ?element={busiest}",
                f"/api/flows/{flow}/participants/?version={number}&element={busiest}",
            ),
            (
                "",
                f"participants ?element={quietest} (fewest waiting)",
                f"/api/flows/{flow}/participants/?version={number}&element={quietest}",
            ),
            (
                "",
                f"participants ?element={nobody} (nobody waits)",
                f"/api/flows/{flow}/participants/?element={nobody}",
            ),
            (
                "",
                "participants ?answer=q_where:other (nobody)",
                f"/api/flows/{flow}/participants/?answer=q_where:other",
            ),
            (
                "",
                "activity 60 days, daily",
                f"/api/flows/{flow}/report/activity/?start={start}&end={end}&bucket=day",
            ),
            ("", "activity 60 days, hourly", f"/api/flows/{flow}/report/activity/?start={start}&end={end}"),
            ("", "participants (no filter)", f"/api/flows/{flow}/participants/"),
            ("", "participants ?status=completed", f"/api/flows/{flow}/participants/?status=completed"),
            ("", "participants ?status=failed", f"/api/flows/{flow}/participants/?status=failed"),
            (
                "",
                "participants ?answer=q_channel:positive",
                f"/api/flows/{flow}/participants/?answer=q_channel:positive",
            ),
            (
                "",
                "participants ?answer=q_where:negative",
                f"/api/flows/{flow}/participants/?answer=q_where:negative",
            ),
            ("", "participants ?launch_tag=nov", f"/api/flows/{flow}/participants/?launch_tag=nov"),
            ("", "launches", f"/api/flows/{flow}/launches/"),
            ("", "participant list page", f"/flows/{flow}/participants/"),
            ("", "CSV export: first 64 KB", f"/flows/{flow}/participants.csv"),
        ]

    def _listed_forms(self) -> list[tuple[str, str]]:
        return [
            (node["id"], node["config"]["widget"]["type"])
            for node in self.definition["nodes"]
            if node["type"] == "form_message" and node["config"]["widget"]["type"] in LISTED_WIDGETS
        ]

    def _waiting_at(self) -> tuple[str, str]:
        """The message most participants wait at, and the one fewest (but some) wait at: a click on a
        busy node and on a quiet one, whose participants are spread thin over the table."""
        from django.db.models import Count

        from engine.models import Participant

        rows = list(
            Participant.objects.filter(version=self.version, status="waiting")
            .exclude(current_node="pause")
            .values("current_node")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        if not rows:
            return "welcome", "welcome"
        return rows[0]["current_node"], rows[-1]["current_node"]

    def measure(self, *, show_queries: bool) -> dict[str, Any]:
        """{label: (status, [seconds] | None)} and {group: [seconds of the group's requests together]}."""
        from django.test import Client

        # A missing route is reported in the table; Django's "Not Found" log line would only repeat it.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        client = Client()
        client.force_login(self.user)
        timings: dict[str, Any] = {}
        groups: dict[str, list[list[float]]] = {}
        requests = self.requests()
        for group, label, path in requests:
            status = self._get(client, path)  # warm-up; also says whether the route exists
            if status != 200:
                timings[label] = (group, status, None)
                continue
            times = []
            for _ in range(self.repeat):
                started = time.perf_counter()
                self._get(client, path)
                times.append(time.perf_counter() - started)
            timings[label] = (group, status, times)
            if show_queries:
                self._show_queries(client, label, path)
        for group in ("performance", "canvas"):
            parts = [t for g, _, t in timings.values() if g == group]
            if parts and all(t is not None for t in parts):
                groups[group] = [sum(run) for run in zip(*parts, strict=True)]
            else:
                groups[group] = []
        return {"timings": timings, "groups": groups}

    def _get(self, client: Any, path: str) -> int:
        """GET path; a streamed response is read up to CSV_BYTES (time to the first bytes of an export)."""
        response = client.get(path)
        if response.streaming:
            got = 0
            for chunk in response.streaming_content:
                got += len(chunk)
                if got >= CSV_BYTES:
                    break
            response.close()
        return response.status_code

    def _show_queries(self, client: Any, label: str, path: str) -> None:
        """Run the request once more with its SQL captured: the number of queries, their total time and
        the slowest one, with its plan when it took SLOW_QUERY_MS or more."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self._get(client, path)
        queries = captured.captured_queries
        total = sum(float(q["time"]) for q in queries) * 1000
        print(f"    {label}: {len(queries)} queries, {total:.1f} ms in the database", flush=True)
        slowest = max(queries, key=lambda q: float(q["time"]), default=None)
        if slowest is None or float(slowest["time"]) * 1000 < SLOW_QUERY_MS:
            return
        print(f"      slowest ({float(slowest['time']) * 1000:.1f} ms): {slowest['sql']}", flush=True)
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if self.pg else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + slowest["sql"])
            for row in cursor.fetchall():
                print(f"        {row[-1]}", flush=True)

    def report(self, n: int, measured: dict[str, Any]) -> None:
        """Print the table of one size: every request, then the two sums against TARGET_MS."""
        timings, groups = measured["timings"], measured["groups"]
        base = timings["GET /api/flows/<id>/"][2]
        base_median = statistics.median(base) if base else None
        print()
        print(f"{'participants':>12}  {'request':<44} {'best ms':>9} {'median ms':>10} {'ratio':>7}  result")
        for label, (group, status, times) in timings.items():
            if times is None:
                print(f"{n:>12,}  {label:<44} {'':>9} {'':>10} {'':>7}  HTTP {status}")
                continue
            best, median = min(times) * 1000, statistics.median(times) * 1000
            ratio = f"{median / 1000 / base_median:.1f}" if base_median else ""
            print(f"{n:>12,}  {label:<44} {best:>9.1f} {median:>10.1f} {ratio:>7}  {group}")
        for group, title in (("performance", "performance page, sum"), ("canvas", "results canvas, sum")):
            sums = groups[group]
            if not sums:
                print(f"{n:>12,}  {title:<44} {'':>9} {'':>10} {'':>7}  INCOMPLETE (a request was not 200)")
                continue
            best, median = min(sums) * 1000, statistics.median(sums) * 1000
            ratio = f"{median / 1000 / base_median:.1f}" if base_median else ""
            verdict = "PASS" if median <= TARGET_MS else "FAIL"
            figures = f"{best:>9.1f} {median:>10.1f} {ratio:>7}"
            print(f"{n:>12,}  {title:<44} {figures}  {verdict} (<= {TARGET_MS:.0f} ms)")
        print(flush=True)


def _sqlite_rows(rows: list[tuple], tail: tuple) -> Iterator[tuple]:
    # Stored as Django stores them on SQLite: datetimes as naive UTC text, UUIDs as 32 hex digits.
    for row in rows:
        yield tuple(_sqlite_value(v) for v in row) + tail


def _sqlite_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(v, uuid.UUID):
        return v.hex
    return v


if __name__ == "__main__":
    main()
