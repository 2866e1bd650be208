"""The Inbound Message operators, captures and the router (engine/core/inbound.py): the seed's examples,
RE2's limits, and which flow an inbound message starts. Pure: no database."""

import random
import time

import pytest

from engine.core.inbound import (
    OPERATOR_RANK,
    Decision,
    InboundText,
    RouteEntry,
    Router,
    capture,
    capture_problems,
    condition_matches,
    condition_problems,
)


def matches(operator: str, body: str, *values: str, person: dict | None = None, **options) -> bool:
    condition = (
        {"operator": operator, "values": list(values), **options}
        if values
        else {"operator": operator, **options}
    )
    assert condition_problems(condition) == []
    return condition_matches(condition, body, person or {})


def sms(body: str, *, recipient: str = "+32470000001", channel: str = "sms") -> InboundText:
    return InboundText(
        channel, body, sender="+32475123456", recipient=recipient, message_id="m1", gateway_id="g1"
    )


# --- the seed's examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["time", "Time ", "  TIME\n"])
def test_matches_text_is_fulfilled_by_the_value_alone(body):
    assert matches("matches_text", body, "time")


@pytest.mark.parametrize("body", ["timezone", "time!!", "what is the time?"])
def test_matches_text_is_not_fulfilled_by_anything_more(body):
    assert not matches("matches_text", body, "time")


def test_matches_text_takes_any_of_several_values():
    assert matches("matches_text", "Stop", "start", "stop")
    assert not matches("matches_text", "pause", "start", "stop")


@pytest.mark.parametrize("body", ["time", "timeframe", "3times", "time!!", "what is the time?", "TIMES"])
def test_contains_text_is_fulfilled_by_the_value_anywhere(body):
    assert matches("contains_text", body, "time")


def test_contains_text_is_not_fulfilled_without_the_value():
    assert not matches("contains_text", "tim e", "time")


@pytest.mark.parametrize("body", ["time", "time!!", "what is the time?", "(time)", "TIME-out"])
def test_contains_word_is_fulfilled_by_the_word_between_symbols_or_spaces(body):
    assert matches("contains_word", body, "time")


@pytest.mark.parametrize("body", ["times", "timeframe", "timezone", "3times", "time3", "sometime"])
def test_contains_word_is_not_fulfilled_by_the_word_inside_another(body):
    assert not matches("contains_word", body, "time")


def test_contains_word_takes_phrases_and_unicode_letters():
    assert matches("contains_word", "Well, GOOD MORNING to you", "good morning")
    assert not matches("contains_word", "goodmorning", "good morning")
    assert matches("contains_word", "Ça va? Très bien", "très")
    # "é" is a letter: "cafés" is another word, not "café" followed by a symbol.
    assert not matches("contains_word", "deux cafés", "café")
    assert matches("contains_word", "I want to WIN #win!", "#win")


def test_case_and_unicode_forms_are_ignored():
    assert matches("matches_text", "STRASSE", "straße")
    assert matches("contains_text", "Die Straße", "STRASSE")
    assert matches("matches_text", "ｙｅｓ", "yes")  # full-width letters, as some phone keyboards send
    assert matches("contains_word", "un cafe\u0301 noir", "café")  # "é" composed or not


def test_regex_searches_anywhere_with_optional_ignore_case():
    assert matches("matches_regex", "my order 12345 please", pattern=r"order \d{5}")
    assert not matches("matches_regex", "ORDER 12345", pattern=r"order \d{5}")
    assert matches("matches_regex", "ORDER 12345", pattern=r"order \d{5}", ignore_case=True)


def test_regex_multiline_is_fulfilled_if_any_line_matches():
    body = "Hello\r\nyes\r\nbye"
    assert not matches("matches_regex", body, pattern="^yes$")
    assert matches("matches_regex", body, pattern="^yes$", multiline=True)


def test_a_catastrophic_pattern_runs_in_linear_time():
    # (a+)+$ against "aaa...ab" takes exponential time on a backtracking engine; RE2 returns at once.
    started = time.perf_counter()
    assert not matches("matches_regex", "a" * 100_000 + "b", pattern="(a+)+$")
    assert time.perf_counter() - started < 2


def test_equals_attribute_looks_for_the_persons_value_in_the_body():
    person = {"customer_code": "AB12", "member_no": 4711, "tags": ["gold", "vip"], "city": "", "vip": True}
    assert matches("equals_attribute", "my code is ab12", attribute="customer_code", person=person)
    assert matches("equals_attribute", "member 4711", attribute="member_no", person=person)
    assert matches("equals_attribute", "I am VIP", attribute="tags", person=person)
    assert not matches("equals_attribute", "my code is AB13", attribute="customer_code", person=person)
    # An empty or missing value never matches (else every message would).
    assert not matches("equals_attribute", "anything", attribute="city", person=person)
    assert not matches("equals_attribute", "anything", attribute="unknown", person=person)
    assert not matches("equals_attribute", "true", attribute="vip", person=person)


def test_anything_is_always_fulfilled():
    assert matches("anything", "")
    assert matches("anything", "whatever")


# --- problems -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "said"),
    [
        ("(order", "The pattern does not compile: missing ): (order"),
        (r"(a)\1", "The pattern does not compile: back-references such as \\1 are not supported"),
        (
            "(?P<x>a)(?P=x)",
            "The pattern does not compile: back-references such as (?P=name) are not supported",
        ),
        ("yes(?=!)", "The pattern does not compile: look-ahead and look-behind"),
        ("(?<!no )yes", "The pattern does not compile: look-ahead and look-behind"),
        ("(?>a)", "The pattern does not compile: atomic groups"),
        ("a++", "The pattern does not compile: possessive quantifiers"),
        ("[z-a]", "The pattern does not compile: invalid character class range: z-a"),
        ("a" * 1001, "The pattern is longer than 1000 characters"),
        ("", "Write the pattern"),
    ],
)
def test_a_bad_pattern_is_refused_with_the_reason(pattern, said):
    [(field, message)] = condition_problems({"operator": "matches_regex", "pattern": pattern})
    assert field == "pattern"
    assert message.startswith(said)


def test_condition_problems_name_the_field():
    assert condition_problems({"operator": "contains_word", "values": []}) == [
        ("values", "Add at least one value to compare the message with")
    ]
    assert condition_problems({"operator": "matches_text", "values": ["yes", "  "]}) == [
        ("values[1]", "Value 2 is blank")
    ]
    assert condition_problems({"operator": "equals_attribute", "attribute": ""}) == [
        ("attribute", "Choose the person attribute the message must contain")
    ]
    assert condition_problems({"operator": "sounds_like"})[0][0] == "operator"
    assert condition_problems({"operator": "anything"}) == []


# --- captures -----------------------------------------------------------------------------------------------


def test_capture_saves_the_whole_text_a_group_or_the_whole_match():
    inbound = sms("JOIN code AB-42 now")
    specs = [
        {"source": "body", "variable": "body", "pattern": ""},
        {"source": "sender", "variable": "sender", "pattern": ""},
        {"source": "recipient", "variable": "number", "pattern": ""},
        {"source": "message_id", "variable": "mid", "pattern": ""},
        {"source": "gateway_id", "variable": "gid", "pattern": ""},
        {"source": "body", "variable": "code", "pattern": r"code ([A-Z]+-\d+)"},
        {"source": "body", "variable": "digits", "pattern": r"\d+"},
        {"source": "body", "variable": "missing", "pattern": r"order (\d+)"},
    ]
    assert capture(specs, inbound) == {
        "body": "JOIN code AB-42 now",
        "sender": "+32475123456",
        "number": "+32470000001",
        "mid": "m1",
        "gid": "g1",
        "code": "AB-42",
        "digits": "42",
    }


def test_a_group_that_takes_no_part_leaves_the_variable_unset():
    assert capture([{"source": "body", "variable": "v", "pattern": "(x)|y"}], sms("y")) == {}


def test_capture_problems():
    assert capture_problems({"source": "body", "variable": "code", "pattern": "(a"}) == [
        ("pattern", "The pattern does not compile: missing ): (a")
    ]
    assert [f for f, _ in capture_problems({"source": "subject", "variable": "2x", "pattern": ""})] == [
        "source",
        "variable",
    ]


# --- the router ---------------------------------------------------------------------------------------------

# Each condition below is fulfilled by the body "time" (with the person's word "time").
BY_OPERATOR = {
    "equals_attribute": {"operator": "equals_attribute", "attribute": "word"},
    "matches_text": {"operator": "matches_text", "values": ["time"]},
    "matches_regex": {"operator": "matches_regex", "pattern": "^t"},
    "contains_text": {"operator": "contains_text", "values": ["tim"]},
    "contains_word": {"operator": "contains_word", "values": ["time"]},
    "anything": {"operator": "anything"},
}


def test_operator_rank_is_the_seeds_order():
    assert sorted(OPERATOR_RANK, key=OPERATOR_RANK.get) == [
        "equals_attribute",
        "matches_text",
        "matches_regex",
        "contains_text",
        "contains_word",
        "anything",
    ]


@pytest.mark.parametrize("winner", list(BY_OPERATOR))
def test_the_best_operator_wins_whatever_the_flow_priority(winner):
    # The winner sits in the lowest-priority flow; every worse operator in a higher one.
    worse = [op for op in BY_OPERATOR if OPERATOR_RANK[op] > OPERATOR_RANK[winner]]
    entries = [RouteEntry(winner, "sms", "", [BY_OPERATOR[winner]], priority=1)] + [
        RouteEntry(op, "sms", "", [BY_OPERATOR[op]], priority=5) for op in worse
    ]
    decision = Router(entries).decide(sms("time"), {"word": "Time"})
    assert decision == Decision(winner, winner, OPERATOR_RANK[winner])


def test_an_entrys_best_matching_condition_counts():
    router = Router(
        [
            RouteEntry("both", "sms", "", [BY_OPERATOR["anything"], BY_OPERATOR["matches_text"]], priority=1),
            RouteEntry("word", "sms", "", [BY_OPERATOR["contains_word"]], priority=5),
        ]
    )
    assert router.decide(sms("time")) == Decision("both", "matches_text", 1)
    assert router.matches(sms("time")) == [("both", 1), ("word", 4)]
    assert router.decide(sms("no match here")) == Decision("both", "anything", 5)


def test_no_matching_entry_decides_nothing():
    router = Router([RouteEntry("a", "sms", "", [BY_OPERATOR["matches_text"]])])
    assert router.decide(sms("later")) is None
    assert router.matches(sms("later")) == []


def test_the_recipient_filter_compares_without_spaces_and_case():
    router = Router(
        [
            RouteEntry("ours", "sms", "+32 470 00 00 01", [BY_OPERATOR["matches_text"]]),
            RouteEntry("mail", "email", "Info@Example.com", [BY_OPERATOR["matches_text"]]),
        ]
    )
    assert router.decide(sms("time", recipient="+32470000001")).key == "ours"
    assert router.decide(sms("time", recipient="+32470000002")) is None
    assert router.decide(sms("time", channel="email", recipient="info@example.COM")).key == "mail"
    assert router.decide(sms("time", channel="email", recipient="sales@example.com")) is None


def test_the_channel_filter():
    router = Router([RouteEntry("mail", "email", "", [BY_OPERATOR["anything"]])])
    assert router.decide(sms("time", channel="email")).key == "mail"
    assert router.decide(sms("time")) is None
    assert router.decide(sms("time", channel="web")) is None


def test_a_tie_of_equal_priority_is_broken_at_random():
    router = Router([RouteEntry(key, "sms", "", [BY_OPERATOR["contains_word"]]) for key in ("a", "b")])
    rng = random.Random(42)
    picked = {router.decide(sms("what time?"), rng=rng).key for _ in range(200)}
    assert picked == {"a", "b"}


def test_the_higher_flow_priority_wins_a_tie_of_rank():
    router = Router(
        [
            RouteEntry("low", "sms", "", [BY_OPERATOR["matches_text"]], priority=2),
            RouteEntry("high", "sms", "", [BY_OPERATOR["matches_text"]], priority=4),
            RouteEntry("default", "sms", "", [BY_OPERATOR["matches_text"]]),
        ]
    )
    rng = random.Random(1)
    assert {router.decide(sms("TIME"), rng=rng).key for _ in range(50)} == {"high"}


def test_regex_flags_apply_inside_the_router():
    router = Router(
        [
            RouteEntry("strict", "sms", "", [{"operator": "matches_regex", "pattern": "^yes$"}]),
            RouteEntry(
                "lines",
                "sms",
                "",
                [{"operator": "matches_regex", "pattern": "^yes$", "ignore_case": True, "multiline": True}],
            ),
        ]
    )
    assert router.matches(sms("yes")) == [("strict", 2), ("lines", 2)]
    assert router.matches(sms("hello\r\nYES")) == [("lines", 2)]


def test_an_invalid_condition_is_refused_when_building_the_router():
    with pytest.raises(ValueError, match=r"Inbound entry 'bad': pattern: The pattern does not compile"):
        Router([RouteEntry("bad", "sms", "", [{"operator": "matches_regex", "pattern": "(a"}])])


def test_the_router_agrees_with_the_conditions_one_by_one():
    """The router's indexes (dicts, word n-grams, RE2 sets) decide as condition_matches does, on random
    keywords and bodies full of near misses (other case, symbols, letters glued on)."""
    rng = random.Random(5)
    words = ["time", "stop", "good morning", "café", "#win", "!!", "yes no", "straße", "a-b"]

    def condition() -> dict:
        operator = rng.choice(list(BY_OPERATOR))
        if operator == "matches_regex":
            return {
                "operator": operator,
                "pattern": rng.choice([r"^\w+ me$", r"(?:stop|start)\d", "^time$", r"b\b"]),
                "ignore_case": rng.random() < 0.5,
                "multiline": rng.random() < 0.5,
            }
        if operator == "equals_attribute":
            return {"operator": operator, "attribute": rng.choice(["word", "none"])}
        if operator == "anything":
            return {"operator": operator}
        return {"operator": operator, "values": rng.sample(words, rng.randint(1, 2))}

    entries = [
        RouteEntry(i, "sms", "", [condition() for _ in range(rng.randint(1, 3))], priority=rng.randint(1, 5))
        for i in range(60)
    ]
    router = Router(entries)
    pieces = [
        *words,
        "TIME",
        "times",
        "3",
        "x",
        " ",
        "\n",
        "!",
        "é",
        "Good  Morning",
        "STRASSE",
        "stop1",
        "me",
    ]
    person = {"word": "Stop"}
    seen: set[int] = set()
    for _ in range(500):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        expected = []
        for i, entry in enumerate(entries):
            ranks = [
                OPERATOR_RANK[c["operator"]] for c in entry.conditions if condition_matches(c, body, person)
            ]
            if ranks:
                expected.append((min(ranks), -entry.priority, i))
        assert router.matches(sms(body), person) == [(i, rank) for rank, _, i in sorted(expected)], body
        seen |= {rank for rank, _, _ in expected}
    assert seen == set(OPERATOR_RANK.values())  # every operator's index was put to the test
