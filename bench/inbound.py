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
"""

import argparse
import random
import statistics
import string
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.core.inbound import InboundText, RouteEntry, Router  # noqa: E402 (bench/ is the script's folder)

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
    # Reserved for the engine owner: "webhooks processed end to end per second" (needs Django and a
    # database, so it sets them up here, after the pure routing figures above).


if __name__ == "__main__":
    main()
