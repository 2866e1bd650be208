"""The timing, branching and side-effect steps of the core: Wait, reply timeouts, quiet hours, condition and
random splits, update person/tags and Call URL, with their validation. Pure: no database; time comes in as
`now`, and person rules are answered by a small stand-in for the Assets interface the core declares."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.core import elements
from engine.core.definition import load
from engine.core.runtime import (
    CallUrl,
    InvalidReply,
    SendMessage,
    StaleReply,
    resume,
    start,
    wake,
)
from engine.core.validate import validate
from tests.engine.core import RecordingAssets

BRUSSELS = ZoneInfo("Europe/Brussels")
# Monday 10 March 2025, 08:00 UTC = 09:00 in Brussels (CET, UTC+1; summer time starts on 30 March).
T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
ALICE = {"id": 7, "first_name": "Alice", "timezone": "Europe/Brussels", "tag_ids": [3]}


# --- building flows -----------------------------------------------------------------------------------------


def end(name: str) -> dict:
    return {"id": f"end_{name}", "type": "exit", "config": {"name": name}, "exits": {}}


def flow(*steps: dict, variables: dict | None = None, send_window: dict | None = None) -> dict:
    """Audience -> steps[0] -> ...; every exit a step leaves unwired leads to an Exit named like it, so
    `state["exit"]["name"]` says which way the participant went."""
    nodes = [
        {
            "id": "audience",
            "type": "predefined_audience",
            "config": {"persons": [7]},
            "exits": {"next": steps[0]["id"]},
        }
    ]
    ends: dict[str, dict] = {}
    for step in steps:
        wired = dict(step.get("exits", {}))
        for name in elements.get(step["type"]).exits(step["config"]):
            if wired.get(name) is None:
                wired[name] = f"end_{name}"
                ends.setdefault(name, end(name))
        nodes.append({**step, "exits": wired})
    doc: dict = {"spec_version": 1, "nodes": [*nodes, *ends.values()]}
    if variables:
        doc["variables"] = [{"name": name, "type": type_name} for name, type_name in variables.items()]
    if send_window:
        doc["settings"] = {"send_window": send_window}
    return doc


def message(node_id: str, text: str, **config) -> dict:
    return {
        "id": node_id,
        "type": "message",
        "config": {"text": text, "buttons": [{"id": "ok", "caption": "OK"}], **config},
    }


def wait(**config) -> dict:
    return {"id": "w", "type": "wait", "config": config}


def wired(step: dict, **exits: str) -> dict:
    return {**step, "exits": exits}


def begin(doc: dict, *, person: dict | None = None, now: datetime = T0, **kwargs):
    assert validate(doc) == [], validate(doc)
    return start(load(doc), entry_id="audience", person=person or ALICE, now=now, **kwargs)


def exit_name(result) -> str | None:
    return (result.state.get("exit") or {}).get("name")


def wake_at(result) -> datetime:
    return datetime.fromisoformat(result.state["wait"]["wake_at"])


def local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


# --- Wait: a duration ---------------------------------------------------------------------------------------


def test_wait_for_a_duration_holds_the_participant_until_its_timer():
    doc = flow(
        wired(wait(mode="duration", duration={"amount": 2, "unit": "hours"}), next="m"),
        message("m", "Two hours later"),
    )
    defn = load(doc)

    waiting = begin(doc)

    assert waiting.events == []
    assert waiting.state["status"] == "waiting"
    assert waiting.state["current"] == "w"
    assert waiting.state["wait"] == {
        "kind": "timer",
        "wake_at": (T0 + timedelta(hours=2)).isoformat(),
        "event": None,
    }
    with pytest.raises(StaleReply):
        wake(defn, waiting.state, now=T0 + timedelta(hours=1, minutes=59), person=ALICE)

    woken = wake(defn, waiting.state, now=T0 + timedelta(hours=2), person=ALICE)

    assert [e.text for e in woken.events if isinstance(e, SendMessage)] == ["Two hours later"]
    assert woken.state["current"] == "m"
    assert woken.state["wait"]["kind"] == "reply"
    [left] = [h for h in woken.state["history"] if h["node_id"] == "w"]
    assert left["exit"] == "next"
    assert left["left_at"] == (T0 + timedelta(hours=2)).isoformat()


def test_a_woken_wait_cannot_be_woken_again():
    doc = flow(wait(mode="duration", duration={"amount": 1, "unit": "days"}))
    waiting = begin(doc)
    done = wake(load(doc), waiting.state, now=T0 + timedelta(days=1), person=ALICE)
    assert exit_name(done) == "next"

    with pytest.raises(StaleReply):
        wake(load(doc), done.state, now=T0 + timedelta(days=2), person=ALICE)


def test_a_timer_wait_refuses_replies():
    doc = flow(wait(mode="duration", duration={"amount": 1, "unit": "days"}))
    waiting = begin(doc)

    with pytest.raises(InvalidReply):
        resume(load(doc), waiting.state, reply={"node_id": "w", "button_id": "ok"}, now=T0)


# --- Wait: until a date and time ----------------------------------------------------------------------------


def test_wait_until_a_past_moment_continues_at_once():
    result = begin(flow(wait(mode="until", until="2025-03-01T09:00")))

    assert result.state["status"] == "completed"
    assert exit_name(result) == "next"
    assert result.state["wait"] is None


def test_wait_until_a_local_time_is_read_in_the_persons_timezone():
    doc = flow(wait(mode="until", until="2025-03-12T18:30"))

    in_brussels = begin(doc)
    in_new_york = begin(doc, person={**ALICE, "timezone": "America/New_York"})
    nowhere = begin(doc, person={**ALICE, "timezone": "Not/A_Zone"})

    assert wake_at(in_brussels) == local(2025, 3, 12, 18, 30)
    # New York is already on summer time (UTC-4) on 12 March.
    assert wake_at(in_new_york) == datetime(2025, 3, 12, 22, 30, tzinfo=UTC)
    # An unknown timezone falls back to UTC instead of stopping the flow.
    assert wake_at(nowhere) == datetime(2025, 3, 12, 18, 30, tzinfo=UTC)


def test_wait_until_a_moment_with_an_offset_ignores_the_persons_timezone():
    result = begin(flow(wait(mode="until", until="2025-03-12T18:30:00+00:00")))

    assert wake_at(result) == datetime(2025, 3, 12, 18, 30, tzinfo=UTC)
    woken = wake(
        load(flow(wait(mode="until", until="2025-03-12T18:30:00+00:00"))), result.state, now=wake_at(result)
    )
    assert exit_name(woken) == "next"


# --- Wait: a date attribute of the person -------------------------------------------------------------------


def renewal_wait(**config) -> dict:
    return wait(mode="attribute", attribute="renewal", **config)


def test_wait_for_a_date_attribute_wakes_at_the_time_of_day_in_the_persons_timezone():
    doc = flow(renewal_wait(offset={"amount": -3, "unit": "days"}, time="09:30"))

    result = begin(doc, person={**ALICE, "renewal": "2025-03-20"})

    # Three days before 20 March, at 09:30 in Brussels.
    assert wake_at(result) == local(2025, 3, 17, 9, 30)
    assert wake_at(result) == datetime(2025, 3, 17, 8, 30, tzinfo=UTC)
    assert result.state["wait"]["kind"] == "timer"


def test_wait_for_a_date_attribute_after_the_date_with_the_default_midnight():
    doc = flow(renewal_wait(offset={"amount": 2, "unit": "weeks"}))

    result = begin(doc, person={**ALICE, "renewal": "2025-04-01"})

    assert wake_at(result) == local(2025, 4, 15, 0, 0)


def test_wait_for_a_date_attribute_keeps_the_time_of_day_across_a_change_to_summer_time():
    """Three days before 31 March at 09:00 is 28 March at 09:00 on the person's clock, even though
    Brussels moved its clocks forward on 30 March in between."""
    doc = flow(renewal_wait(offset={"amount": -3, "unit": "days"}, time="09:00"))

    result = begin(doc, person={**ALICE, "renewal": "2025-03-31"})

    assert wake_at(result).astimezone(BRUSSELS) == local(2025, 3, 28, 9, 0)


def test_wait_for_a_datetime_attribute_moves_it_by_the_offset():
    doc = flow(renewal_wait(offset={"amount": -1, "unit": "hours"}))

    result = begin(doc, person={**ALICE, "renewal": "2025-03-11T15:00:00+00:00"})

    assert wake_at(result) == datetime(2025, 3, 11, 14, 0, tzinfo=UTC)


def test_wait_for_a_date_attribute_already_past_continues_at_once():
    result = begin(flow(renewal_wait(time="09:30")), person={**ALICE, "renewal": "2025-03-10"})

    # 09:30 in Brussels on the 10th is 08:30 UTC, after T0 (08:00 UTC): not yet past.
    assert result.state["status"] == "waiting"

    past = begin(flow(renewal_wait(time="08:59")), person={**ALICE, "renewal": "2025-03-10"})
    assert exit_name(past) == "next"


@pytest.mark.parametrize("renewal", [None, "", "someday", 20250320])
def test_a_person_without_the_date_takes_no_date(renewal):
    person = {**ALICE, "renewal": renewal} if renewal is not None else dict(ALICE)

    result = begin(flow(renewal_wait(time="09:30")), person=person)

    assert exit_name(result) == "no_date"
    assert result.state["wait"] is None


# --- Wait: until an event -----------------------------------------------------------------------------------


def purchase_wait() -> dict:
    return wait(
        mode="event",
        event="purchase",
        timeout={"amount": 7, "unit": "days"},
        save=[
            {"property": "total", "variable": "amount"},
            {"property": "sku", "variable": "sku"},
            {"property": "gift", "variable": "gift"},
            {"property": "note", "variable": "note"},
        ],
    )


PURCHASE_VARIABLES = {"amount": "number", "sku": "text", "gift": "boolean", "note": "text"}


def test_wait_for_an_event_listens_for_that_event_until_the_time_limit():
    result = begin(flow(purchase_wait(), variables=PURCHASE_VARIABLES))

    assert result.state["status"] == "waiting"
    assert result.state["wait"] == {
        "kind": "event",
        "wake_at": (T0 + timedelta(days=7)).isoformat(),
        "event": "purchase",
    }


def test_the_event_resumes_the_participant_and_its_properties_fill_the_variables():
    doc = flow(purchase_wait(), variables=PURCHASE_VARIABLES)
    waiting = begin(doc)
    event = {"key": "purchase", "properties": {"total": "42.50", "sku": 1234, "gift": "yes", "note": "hi"}}

    result = resume(
        load(doc), waiting.state, reply={"node_id": "w", "event": event}, now=T0 + timedelta(days=1)
    )

    assert exit_name(result) == "next"
    # Each value as its variable's type.
    assert result.state["variables"] == {"amount": 42.5, "sku": "1234", "gift": True, "note": "hi"}


def test_an_event_property_the_variable_cannot_hold_is_left_out():
    doc = flow(purchase_wait(), variables=PURCHASE_VARIABLES)
    waiting = begin(doc)
    event = {"key": "purchase", "properties": {"total": "a lot", "sku": "X-1"}}

    result = resume(load(doc), waiting.state, reply={"node_id": "w", "event": event}, now=T0)

    assert exit_name(result) == "next"
    assert result.state["variables"] == {"sku": "X-1"}


def test_another_event_does_not_resume_the_wait():
    doc = flow(purchase_wait(), variables=PURCHASE_VARIABLES)
    waiting = begin(doc)

    with pytest.raises(InvalidReply):
        resume(load(doc), waiting.state, reply={"node_id": "w", "event": {"key": "signup"}}, now=T0)


def test_no_event_within_the_time_limit_takes_timed_out():
    doc = flow(purchase_wait(), variables=PURCHASE_VARIABLES)
    waiting = begin(doc)
    with pytest.raises(StaleReply):
        wake(load(doc), waiting.state, now=T0 + timedelta(days=6, hours=23))

    result = wake(load(doc), waiting.state, now=T0 + timedelta(days=7))

    assert exit_name(result) == "timed_out"
    assert result.state["variables"] == {}
    # The event arriving after the time limit finds nobody waiting.
    with pytest.raises(StaleReply):
        resume(load(doc), result.state, reply={"node_id": "w", "event": {"key": "purchase"}}, now=T0)


# --- reply timeouts -----------------------------------------------------------------------------------------


def timeout_flow(step_type: str = "message") -> dict:
    if step_type == "message":
        ask = message("ask", "Coming?", timeout={"amount": 1, "unit": "days"})
        ask["config"]["buttons"] = [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}]
    else:
        ask = {
            "id": "ask",
            "type": "form_message",
            "config": {
                "text": "Your name?",
                "widget": {"type": "text_line"},
                "timeout": {"amount": 1, "unit": "days"},
            },
        }
    ask["exits"] = {"no_answer": "reminder"}
    return flow(ask, message("reminder", "Still there, {{ person.first_name }}?"))


@pytest.mark.parametrize("step_type", ["message", "form_message"])
def test_an_unanswered_message_takes_no_answer_when_its_timeout_passes(step_type):
    doc = timeout_flow(step_type)
    defn = load(doc)
    waiting = begin(doc)
    assert waiting.state["wait"] == {
        "kind": "reply",
        "wake_at": (T0 + timedelta(days=1)).isoformat(),
        "event": None,
    }

    result = wake(defn, waiting.state, now=T0 + timedelta(days=1, seconds=5), person=ALICE)

    assert [e.text for e in result.events if isinstance(e, SendMessage)] == ["Still there, Alice?"]
    assert result.state["current"] == "reminder"
    [ask] = [h for h in result.state["history"] if h["node_id"] == "ask"]
    assert ask["exit"] == "no_answer"
    assert ask["note"] == "No answer in time"
    # The first message can no longer be answered.
    with pytest.raises(StaleReply):
        resume(defn, result.state, reply={"node_id": "ask", "button_id": "yes"}, now=T0 + timedelta(days=2))


@pytest.mark.parametrize("step_type", ["message", "form_message"])
def test_a_wake_before_the_timeout_is_stale(step_type):
    doc = timeout_flow(step_type)
    waiting = begin(doc)

    with pytest.raises(StaleReply):
        wake(load(doc), waiting.state, now=T0 + timedelta(hours=23, minutes=59), person=ALICE)


def test_an_answer_in_time_cancels_the_timeout():
    doc = timeout_flow()
    defn = load(doc)
    waiting = begin(doc)

    answered = resume(
        defn, waiting.state, reply={"node_id": "ask", "button_id": "yes"}, now=T0 + timedelta(hours=2)
    )

    assert exit_name(answered) == "yes"
    assert answered.state["wait"] is None
    with pytest.raises(StaleReply):
        wake(defn, answered.state, now=T0 + timedelta(days=2), person=ALICE)


def test_a_message_without_timeout_waits_for_ever_and_has_no_no_answer_exit():
    doc = flow(message("ask", "Coming?"))
    result = begin(doc)

    assert result.state["wait"] == {"kind": "reply", "wake_at": None, "event": None}
    assert "no_answer" not in elements.get("message").exits(doc["nodes"][1]["config"])
    with pytest.raises(StaleReply):
        wake(load(doc), result.state, now=T0 + timedelta(days=3650))


# --- quiet hours --------------------------------------------------------------------------------------------

DAYTIME = {"start": "09:00", "end": "20:00"}
NIGHT = {"start": "20:00", "end": "08:00"}


def test_a_message_due_in_quiet_hours_waits_for_the_window_then_is_sent():
    doc = flow(message("m", "Hello {{ person.first_name }}"), send_window=DAYTIME)
    defn = load(doc)
    late = local(2025, 3, 10, 23, 0).astimezone(UTC)

    held = begin(doc, now=late)

    assert held.events == []
    assert held.state["status"] == "waiting"
    assert held.state["current"] == "m"
    assert held.state["wait"]["kind"] == "quiet_hours"
    assert wake_at(held) == local(2025, 3, 11, 9, 0)
    # Nobody can answer a message that was not sent.
    with pytest.raises(StaleReply):
        resume(defn, held.state, reply={"node_id": "m", "button_id": "ok"}, now=late)
    with pytest.raises(StaleReply):
        wake(defn, held.state, now=local(2025, 3, 11, 8, 59), person=ALICE)

    sent = wake(defn, held.state, now=local(2025, 3, 11, 9, 0), person=ALICE)

    assert [e.text for e in sent.events if isinstance(e, SendMessage)] == ["Hello Alice"]
    assert sent.state["wait"]["kind"] == "reply"
    answered = resume(
        defn, sent.state, reply={"node_id": "m", "button_id": "ok"}, now=local(2025, 3, 11, 10, 0)
    )
    assert exit_name(answered) == "ok"


def test_a_message_due_before_the_window_opens_waits_until_it_opens_the_same_day():
    doc = flow(message("m", "Good morning"), send_window=DAYTIME)

    held = begin(doc, now=local(2025, 3, 10, 6, 15))

    assert wake_at(held) == local(2025, 3, 10, 9, 0)


def test_a_message_inside_the_window_is_sent_at_once():
    doc = flow(message("m", "Hi"), send_window=DAYTIME)

    for moment in (local(2025, 3, 10, 9, 0), local(2025, 3, 10, 19, 59)):
        result = begin(doc, now=moment)
        assert [e.text for e in result.events] == ["Hi"]
        assert result.state["wait"]["kind"] == "reply"

    # 20:00 is the end: closed.
    assert begin(doc, now=local(2025, 3, 10, 20, 0)).state["wait"]["kind"] == "quiet_hours"


def test_the_window_is_read_in_the_persons_timezone():
    doc = flow(message("m", "Hi"), send_window=DAYTIME)
    # 12:00 UTC: 13:00 in Brussels (open), 08:00 in New York (closed until 09:00 there).
    noon = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)

    assert begin(doc, now=noon).events != []
    in_new_york = begin(doc, now=noon, person={**ALICE, "timezone": "America/New_York"})
    assert in_new_york.events == []
    assert wake_at(in_new_york) == datetime(2025, 3, 10, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "expected_wake"),
    [
        (local(2025, 3, 10, 12, 0), local(2025, 3, 10, 20, 0)),
        (local(2025, 3, 10, 8, 0), local(2025, 3, 10, 20, 0)),
        (local(2025, 3, 10, 19, 59), local(2025, 3, 10, 20, 0)),
        (local(2025, 3, 10, 23, 0), None),
        (local(2025, 3, 10, 0, 30), None),
        (local(2025, 3, 10, 7, 59), None),
        (local(2025, 3, 10, 20, 0), None),
    ],
)
def test_a_window_over_midnight(due, expected_wake):
    result = begin(flow(message("m", "Night shift"), send_window=NIGHT), now=due)

    if expected_wake is None:
        assert [e.text for e in result.events] == ["Night shift"]
    else:
        assert result.events == []
        assert wake_at(result) == expected_wake


def test_quiet_hours_hold_only_messages_not_the_steps_before_them():
    doc = flow(
        {"id": "tags", "type": "update_tags", "config": {"add": [5]}, "exits": {"next": "m"}},
        message("m", "Hi"),
        send_window=DAYTIME,
    )

    assets = RecordingAssets()
    held = begin(doc, now=local(2025, 3, 10, 22, 0), assets=assets)

    assert assets.changes == [("update_tags", (5,), ())]
    assert held.events == []
    assert held.state["wait"]["kind"] == "quiet_hours"


def test_the_reply_timeout_of_a_held_message_counts_from_when_it_is_sent():
    ask = message("ask", "Coming?", timeout={"amount": 2, "unit": "hours"})
    ask["exits"] = {"no_answer": "end_ok"}
    doc = flow(ask, send_window=DAYTIME)
    defn = load(doc)
    held = begin(doc, now=local(2025, 3, 10, 22, 0))

    sent = wake(defn, held.state, now=local(2025, 3, 11, 9, 0), person=ALICE)

    assert wake_at(sent) == local(2025, 3, 11, 11, 0)


# --- condition split ----------------------------------------------------------------------------------------


def split(*branches: dict) -> dict:
    return {
        "id": "split",
        "type": "condition_split",
        "config": {
            "branches": [
                {"id": f"b{i}", "name": f"Branch {i}", "rules": rules} for i, rules in enumerate(branches, 1)
            ]
        },
    }


def var(name: str, operator: str, value=None) -> dict:
    leaf = {"variable": name, "operator": operator}
    return leaf if value is None else {**leaf, "value": value}


VARIABLE_CASES = [
    # text: case-insensitive
    ("text", "Gent", "is", "gent", True),
    ("text", "Gent", "is", "Brussel", False),
    ("text", "Gent", "is_not", "Brussel", True),
    ("text", "Sint-Martens-Latem", "contains", "MARTENS", True),
    ("text", "Sint-Martens-Latem", "not_contains", "martens", False),
    ("text", "Sint-Martens-Latem", "starts_with", "sint", True),
    ("text", "Sint-Martens-Latem", "ends_with", "latem", True),
    ("text", "Sint-Martens-Latem", "ends_with", "sint", False),
    ("text", "", "is_empty", None, True),
    ("text", None, "is_empty", None, True),
    ("text", "x", "is_not_empty", None, True),
    # number
    ("number", 5, "is", "5", True),
    ("number", 5, "is_not", 5, False),
    ("number", 4.5, "lt", 5, True),
    ("number", 5, "lt", 5, False),
    ("number", 5, "lte", 5, True),
    ("number", 5, "gte", 5.5, False),
    ("number", 10, "gt", 9.99, True),
    ("number", "12", "gt", 9, True),
    ("number", None, "is_not_empty", None, False),
    # boolean
    ("boolean", True, "is", True, True),
    ("boolean", False, "is", True, False),
    ("boolean", False, "is_not", True, True),
    ("boolean", None, "is_empty", None, True),
    # date
    ("date", "2025-03-10", "is", "2025-03-10", True),
    ("date", "2025-03-10", "is_not", "2025-03-10", False),
    ("date", "2025-03-10", "before", "2025-03-11", True),
    ("date", "2025-03-10", "after", "2025-03-11", False),
    ("date", "2025-03-12", "after", "2025-03-11", True),
    # datetime: instants, whatever their offsets
    ("datetime", "2025-03-10T09:00:00+01:00", "before", "2025-03-10T08:30:00+00:00", True),
    ("datetime", "2025-03-10T09:00:00+01:00", "after", "2025-03-10T07:30:00+00:00", True),
    ("datetime", "2025-03-10T09:00:00+01:00", "after", "2025-03-10T08:00:00+00:00", False),
    ("datetime", None, "is_empty", None, True),
    # list: membership of one item, ignoring case
    ("list", ["Golf", "Tennis"], "contains", "golf", True),
    ("list", ["Golf", "Tennis"], "contains", "Ten", False),
    ("list", ["Golf", "Tennis"], "not_contains", "chess", True),
    ("list", [], "is_empty", None, True),
    ("list", ["Golf"], "is_not_empty", None, True),
]


@pytest.mark.parametrize(("type_name", "value", "operator", "compared", "matches"), VARIABLE_CASES)
def test_a_condition_on_a_variable(type_name, value, operator, compared, matches):
    doc = flow(split(var("v", operator, compared)), variables={"v": type_name})
    variables = {"v": value} if value is not None else {}

    result = begin(doc, variables=variables)

    assert exit_name(result) == ("b1" if matches else "otherwise")


def test_the_first_matching_branch_is_taken():
    doc = flow(
        split(var("score", "gte", 90), var("score", "gte", 50), var("score", "gte", 0)),
        variables={"score": "number"},
    )

    assert exit_name(begin(doc, variables={"score": 95})) == "b1"
    assert exit_name(begin(doc, variables={"score": 60})) == "b2"
    assert exit_name(begin(doc, variables={"score": 10})) == "b3"
    assert exit_name(begin(doc, variables={"score": -1})) == "otherwise"


def test_groups_of_variable_conditions():
    rules = {
        "op": "or",
        "rules": [
            {"op": "and", "rules": [var("city", "is", "Gent"), var("score", "gt", 10)]},
            var("vip", "is", True),
        ],
    }
    doc = flow(split(rules), variables={"city": "text", "score": "number", "vip": "boolean"})

    assert exit_name(begin(doc, variables={"city": "gent", "score": 11})) == "b1"
    assert exit_name(begin(doc, variables={"city": "gent", "score": 10})) == "otherwise"
    assert exit_name(begin(doc, variables={"vip": True})) == "b1"


class TaggedAssets:
    """A stand-in for the Assets interface (engine.core.elements.Assets) answering people rule documents
    (docs/segments.md) about one person's tags the way people.selectors.person_matches does: a document is
    a group {"op", "rules"} at its root; anything else is not a rule document and matches nobody."""

    def __init__(self, tag_ids: set[int]) -> None:
        self.tag_ids = tag_ids
        self.asked: list[dict] = []

    def person_matches(self, rules: dict) -> bool:
        self.asked.append(rules)
        if set(rules) != {"op", "rules"}:
            return False
        return self._group(rules)

    def _group(self, group: dict) -> bool:
        found = (self._group(r) if "op" in r else self._tag(r) for r in group["rules"])
        return any(found) if group["op"] == "or" else all(found)

    def _tag(self, leaf: dict) -> bool:
        has = leaf["tag"] in self.tag_ids
        return has if leaf["operator"] == "has" else not has


def has_tag(tag_id: int) -> dict:
    return {"tag": tag_id, "operator": "has"}


def test_a_condition_on_the_person_asks_the_assets():
    doc = flow(split({"op": "and", "rules": [has_tag(3)]}, {"op": "or", "rules": [has_tag(4), has_tag(5)]}))

    tagged_3 = TaggedAssets({3})
    assert exit_name(begin(doc, assets=tagged_3)) == "b1"
    assert tagged_3.asked == [{"op": "and", "rules": [has_tag(3)]}]
    assert exit_name(begin(doc, assets=TaggedAssets({5}))) == "b2"
    assert exit_name(begin(doc, assets=TaggedAssets(set()))) == "otherwise"


def test_without_assets_person_conditions_match_nobody():
    doc = flow(split({"op": "and", "rules": [has_tag(3)]}))

    assert exit_name(begin(doc)) == "otherwise"


def test_a_group_mixing_variable_and_person_conditions():
    """Only the variable-free parts go to the assets, and each as a rule document of its own."""
    rules = {"op": "and", "rules": [var("coupon", "is_empty"), has_tag(3)]}
    doc = flow(split(rules), variables={"coupon": "text"})

    assets = TaggedAssets({3})
    result = begin(doc, assets=assets)

    assert all(set(asked) == {"op", "rules"} for asked in assets.asked), assets.asked
    assert exit_name(result) == "b1"
    assert exit_name(begin(doc, assets=TaggedAssets({3}), variables={"coupon": "WELCOME"})) == "otherwise"
    assert exit_name(begin(doc, assets=TaggedAssets(set()))) == "otherwise"


# --- random split -------------------------------------------------------------------------------------------


def random_split(*percents: float) -> dict:
    return {
        "id": "ab",
        "type": "random_split",
        "config": {
            "branches": [
                {"id": f"v{i}", "name": f"Variant {i}", "percent": p} for i, p in enumerate(percents, 1)
            ]
        },
    }


@pytest.mark.parametrize("percents", [(50, 50), (20, 30, 50)])
def test_random_split_over_10000_consecutive_people_is_within_one_point_of_each_share(percents):
    defn = load(flow(random_split(*percents)))
    people = range(1, 10_001)

    taken = Counter(
        exit_name(start(defn, entry_id="audience", person={"id": seed}, now=T0, seed=seed)) for seed in people
    )

    assert set(taken) == {f"v{i}" for i in range(1, len(percents) + 1)}
    for i, percent in enumerate(percents, 1):
        share = 100 * taken[f"v{i}"] / len(people)
        assert abs(share - percent) <= 1, (f"v{i}", share, percent)


def test_a_person_always_gets_the_same_branch():
    defn = load(flow(random_split(20, 30, 50)))

    for seed in (1, 2, 3, 99, 123_456):
        branches = {
            exit_name(
                start(defn, entry_id="audience", person={"id": seed}, now=T0 + timedelta(days=d), seed=seed)
            )
            for d in range(5)
        }
        assert len(branches) == 1


# --- update person and tags ---------------------------------------------------------------------------------


def test_update_person_sets_values_from_constants_variables_and_templates():
    update = {
        "id": "upd",
        "type": "update_person",
        "config": {
            "updates": [
                {"attribute": "city", "action": "set", "source": "value", "value": "Gent"},
                {"attribute": "score", "action": "set", "source": "variable", "value": "points"},
                {
                    "attribute": "greeting",
                    "action": "set",
                    "source": "template",
                    "value": "Hi {{ person.first_name }} from {{ variables.town }}",
                },
                {"attribute": "nickname", "action": "clear"},
            ]
        },
        "exits": {"next": "m"},
    }
    doc = flow(
        update,
        message("m", "{{ person.greeting }}, now in {{ person.city }}"),
        variables={"points": "number"},
    )

    assets = RecordingAssets()
    result = begin(
        doc, person={**ALICE, "nickname": "Al"}, variables={"points": 12, "town": "Brugge"}, assets=assets
    )

    assert assets.changes == [
        ("update_person", {"city": "Gent", "score": 12, "greeting": "Hi Alice from Brugge", "nickname": None})
    ]
    # The messages after it see the new values.
    assert result.events[0].text == "Hi Alice from Brugge, now in Gent"


def test_a_refused_update_changes_nothing_the_flow_sees_and_says_why():
    doc = flow(
        {
            "id": "upd",
            "type": "update_person",
            "config": {
                "updates": [{"attribute": "city", "action": "set", "source": "value", "value": "Gent"}]
            },
            "exits": {"next": "m"},
        },
        message("m", "Still in {{ person.city }}"),
    )

    result = begin(doc, person={**ALICE, "city": "Brugge"}, assets=RecordingAssets(refuse="City is too long"))

    assert result.events[0].text == "Still in Brugge"
    assert result.state["history"][1]["note"] == "Not updated: City is too long"


def test_update_tags_adds_and_removes():
    doc = flow({"id": "tags", "type": "update_tags", "config": {"add": [5, 6], "remove": [3]}})

    assets = RecordingAssets()
    result = begin(doc, person={**ALICE, "tag_ids": [3, 9]}, assets=assets)

    assert assets.changes == [("update_tags", (5, 6), (3,))]
    assert exit_name(result) == "next"


# --- Call URL -----------------------------------------------------------------------------------------------


def call(**config) -> dict:
    return {
        "id": "call",
        "type": "call_url",
        "config": {
            "method": "POST",
            "url": "https://api.example.com/people/{{ person.id }}?town={{ variables.town }}",
            "headers": [{"name": "Authorization", "value": "Bearer {{ variables.token }}"}],
            "body_type": "json",
            "body": '{"name": "{{ person.first_name }}", "points": {{ variables.points }}}',
            "timeout_seconds": 5,
            "retries": 2,
            "status_variable": "status",
            "save": [
                {"path": "$.data.items[0].name", "variable": "first_item"},
                {"path": "$.count", "variable": "count"},
                {"path": '$.data["odd key"]', "variable": "odd"},
            ],
            **config,
        },
    }


CALL_VARIABLES = {
    "status": "number",
    "first_item": "text",
    "count": "number",
    "odd": "text",
    "points": "number",
}
CALL_START = {"town": "Gent", "token": "s3cret", "points": 12}


def called(**config):
    doc = flow(call(**config), variables=CALL_VARIABLES)
    return load(doc), begin(doc, variables=CALL_START)


def test_call_url_sends_the_rendered_request_and_waits_for_it():
    _, result = called()

    assert result.events == [
        CallUrl(
            node_id="call",
            method="POST",
            url="https://api.example.com/people/7?town=Gent",
            headers={"Authorization": "Bearer s3cret", "Content-Type": "application/json"},
            body='{"name": "Alice", "points": 12}',
            timeout_seconds=5.0,
            retries=2,
        )
    ]
    assert result.state["status"] == "waiting"
    assert result.state["wait"] == {"kind": "call", "wake_at": None, "event": None}


def test_a_form_body_is_url_encoded():
    _, result = called(body_type="form", form=[{"name": "who", "value": "{{ person.first_name }} & co"}])

    [request] = result.events
    assert request.body == "who=Alice+%26+co"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_a_successful_call_saves_the_status_and_the_picked_values():
    defn, waiting = called()
    body = json.dumps({"count": "3", "data": {"items": [{"name": "Espresso"}], "odd key": True}})

    result = resume(
        defn,
        waiting.state,
        reply={"node_id": "call", "call": {"ok": True, "status": 201, "body": body, "error": ""}},
        now=T0 + timedelta(seconds=1),
    )

    assert exit_name(result) == "success"
    assert result.state["variables"] == {
        **CALL_START,
        "status": 201,
        "first_item": "Espresso",
        "count": 3,
        "odd": "true",
    }
    [entry] = [h for h in result.state["history"] if h["node_id"] == "call"]
    assert entry["exit"] == "success"
    assert entry["note"] == "HTTP 201"


def test_a_path_that_leads_nowhere_empties_its_variable():
    defn, waiting = called()

    result = resume(
        defn,
        waiting.state,
        reply={"node_id": "call", "call": {"ok": True, "status": 200, "body": "not json", "error": ""}},
        now=T0,
    )

    assert exit_name(result) == "success"
    assert result.state["variables"]["first_item"] is None
    assert result.state["variables"]["count"] is None


def test_a_failed_call_takes_failure_and_keeps_the_status():
    defn, waiting = called()

    result = resume(
        defn,
        waiting.state,
        reply={
            "node_id": "call",
            "call": {"ok": False, "status": 503, "body": '{"count": 1}', "error": "HTTP 503"},
        },
        now=T0,
    )

    assert exit_name(result) == "failure"
    assert result.state["variables"] == {**CALL_START, "status": 503}
    [entry] = [h for h in result.state["history"] if h["node_id"] == "call"]
    assert entry["note"] == "HTTP 503"


def test_a_call_that_never_got_an_answer_takes_failure_with_the_reason():
    defn, waiting = called()
    outcome = {"ok": False, "status": None, "body": "", "error": "Connection refused"}

    result = resume(defn, waiting.state, reply={"node_id": "call", "call": outcome}, now=T0)

    assert exit_name(result) == "failure"
    assert result.state["variables"]["status"] is None
    [entry] = [h for h in result.state["history"] if h["node_id"] == "call"]
    assert entry["note"] == "Connection refused"


def test_a_call_waits_for_its_outcome_not_for_a_reply():
    defn, waiting = called()

    with pytest.raises(InvalidReply):
        resume(defn, waiting.state, reply={"node_id": "call", "button_id": "ok"}, now=T0)
    with pytest.raises(StaleReply):
        wake(defn, waiting.state, now=T0 + timedelta(days=1))


def test_a_body_that_renders_to_invalid_json_takes_failure_without_a_request():
    _, result = called(body='{"points": {{ variables.missing }}}')

    assert not [e for e in result.events if isinstance(e, CallUrl)]
    assert exit_name(result) == "failure"
    [entry] = [h for h in result.state["history"] if h["node_id"] == "call"]
    assert entry["note"] == "The rendered body is not valid JSON"


# --- validation ---------------------------------------------------------------------------------------------


def issues_on(doc: dict, node_id: str) -> set[tuple[str, str | None]]:
    return {(i.code, i.field) for i in validate(doc) if i.node_id == node_id}


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"mode": "duration"}, ("required", "config.duration")),
        ({"mode": "duration", "duration": {"amount": 0, "unit": "hours"}}, ("invalid", "config.duration")),
        ({"mode": "duration", "duration": {"amount": 11, "unit": "weeks"}}, None),
        ({"mode": "duration", "duration": {"amount": 3654, "unit": "days"}}, ("invalid", "config.duration")),
        ({"mode": "until"}, ("required", "config.until")),
        ({"mode": "until", "until": "next tuesday"}, ("invalid", "config.until")),
        ({"mode": "attribute"}, ("required", "config.attribute")),
        ({"mode": "attribute", "attribute": "renewal", "time": "25:00"}, ("invalid", "config.time")),
        ({"mode": "event", "timeout": {"amount": 1, "unit": "days"}}, ("required", "config.event")),
        ({"mode": "event", "event": "purchase"}, ("required", "config.timeout")),
        (
            {
                "mode": "event",
                "event": "purchase",
                "timeout": {"amount": 1, "unit": "days"},
                "save": [{"property": "total", "variable": "9lives"}],
            },
            ("invalid_name", "config.save[0].variable"),
        ),
    ],
)
def test_wait_validation(config, expected):
    issues = issues_on(flow(wait(**config)), "w")

    assert issues == ({expected} if expected else set())


def test_the_timed_out_and_no_date_exits_must_be_wired():
    doc = flow(purchase_wait(), variables=PURCHASE_VARIABLES)
    doc["nodes"][1]["exits"]["timed_out"] = None

    assert issues_on(doc, "w") == {("unwired_exit", "exits.timed_out")}


def test_random_split_percentages_must_total_100():
    assert issues_on(flow(random_split(50, 40)), "ab") == {("invalid_total", "config.branches")}
    assert issues_on(flow(random_split(20, 30, 50)), "ab") == set()
    assert issues_on(flow(random_split(100)), "ab") == {("required", "config.branches")}
    assert issues_on(flow(random_split(0, 100)), "ab") == {("invalid", "config.branches[0].percent")}


def test_a_condition_branch_without_conditions_makes_the_rest_unreachable():
    doc = flow(split({"op": "and", "rules": []}, {"op": "and", "rules": [has_tag(3)]}))

    issues = [i for i in validate(doc) if i.node_id == "split"]

    assert [(i.code, i.field) for i in issues] == [("unreachable_branch", "config.branches[0].rules")]
    assert "every later branch is unreachable" in issues[0].message


def test_a_call_to_a_public_address_is_fine():
    doc = flow(call(url="https://hooks.example.com/v1/people"), variables=CALL_VARIABLES)

    assert issues_on(doc, "call") == set()


@pytest.mark.parametrize("path", ["data.items", "$.data[", "$..name", "$.data[-1]", ""])
def test_a_bad_json_path_is_refused(path):
    doc = flow(call(save=[{"path": path, "variable": "first_item"}]), variables=CALL_VARIABLES)

    assert issues_on(doc, "call") == {("invalid_path", "config.save[0].path")}


def test_call_url_validation_of_method_headers_and_limits():
    doc = flow(
        call(
            method="GET",
            headers=[{"name": "Host", "value": "evil"}],
            timeout_seconds=60,
            retries=9,
            status_variable="http status",
        ),
        variables=CALL_VARIABLES,
    )

    assert issues_on(doc, "call") == {
        ("invalid", "config.body_type"),
        ("invalid_header", "config.headers[0].name"),
        ("invalid", "config.timeout_seconds"),
        ("invalid", "config.retries"),
        ("invalid_name", "config.status_variable"),
    }


def test_a_condition_on_an_undeclared_variable_is_an_issue_on_its_field():
    doc = flow(
        split({"op": "and", "rules": [has_tag(3), var("city", "is", "Gent")]}), variables={"town": "text"}
    )

    issues = [i for i in validate(doc) if i.node_id == "split"]

    assert [i.field for i in issues] == ["config.branches[0].rules.rules[1].variable"]
    assert '"city"' in issues[0].message


def test_a_condition_with_an_operator_the_variable_type_does_not_have_is_an_issue():
    doc = flow(split(var("score", "contains", "1")), variables={"score": "number"})

    assert [i.field for i in validate(doc) if i.node_id == "split"] == ["config.branches[0].rules.operator"]


def test_update_person_and_tags_validation():
    update = {
        "id": "upd",
        "type": "update_person",
        "config": {
            "updates": [
                {"attribute": "", "action": "set", "source": "value", "value": "x"},
                {"attribute": "city", "action": "set", "source": "template", "value": "{{ oops"},
                {"attribute": "score", "action": "set", "source": "variable", "value": "not a name"},
            ]
        },
    }
    tags = {"id": "tags", "type": "update_tags", "config": {"add": [1], "remove": [1]}}
    doc = flow(wired(update, next="tags"), tags)

    assert issues_on(doc, "upd") == {
        ("required", "config.updates[0].attribute"),
        ("bad_template", "config.updates[1].value"),
        ("invalid_name", "config.updates[2].value"),
    }
    assert issues_on(doc, "tags") == {("conflict", "config.remove")}


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (
            wait(**{**purchase_wait()["config"], "save": [{"property": "total", "variable": "total"}]}),
            "config.save[0].variable",
        ),
        (call(status_variable="http_status"), "config.status_variable"),
        (call(save=[{"path": "$.id", "variable": "remote_id"}]), "config.save[0].variable"),
    ],
)
def test_saving_into_an_undeclared_variable_is_an_issue_on_its_field(step, field):
    doc = flow(step, variables=CALL_VARIABLES)

    assert issues_on(doc, step["id"]) == {("unknown_variable", field)}
