"""The Inbound Message and Inbound Call entry points and the Evaluate inbound reply step: their validation,
the variables a participant starts with, and the reply step run through engine.core.runtime. Pure: no
database."""

from datetime import UTC, datetime, timedelta

import pytest

from engine.core import elements
from engine.core.definition import load
from engine.core.elements import describe
from engine.core.inbound import InboundText
from engine.core.runtime import InvalidReply, SendMessage, StaleReply, resume, start, wake
from engine.core.validate import validate

T0 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
ALICE = {"id": 7, "first_name": "Alice", "timezone": "Europe/Brussels", "customer_code": "AB12"}
INBOUND = InboundText("sms", "JOIN 4711", "+32475123456", "+32470000001", "m1", "g1")


def end(name: str) -> dict:
    return {"id": f"end_{name}", "type": "exit", "config": {"name": name}, "exits": {}}


def entry_flow(entry_type: str, config: dict, variables: dict | None = None) -> dict:
    """One entry of `entry_type` -> Exit "done"."""
    doc: dict = {
        "spec_version": 1,
        "nodes": [
            {"id": "in", "type": entry_type, "config": config, "exits": {"next": "end_done"}},
            end("done"),
        ],
    }
    if variables:
        doc["variables"] = [{"name": name, "type": type_name} for name, type_name in variables.items()]
    return doc


def issues(doc: dict) -> list[tuple[str, str | None, str]]:
    return [(i.code, i.field, i.message) for i in validate(doc)]


def reply_flow(config: dict, variables: dict | None = None) -> dict:
    """Audience -> "ask" (a message) -> "eval" (Evaluate inbound reply); every exit of "eval" leads to an
    Exit named like it."""
    names = elements.get("evaluate_reply").exits(config)
    doc = {
        "spec_version": 1,
        "nodes": [
            {
                "id": "audience",
                "type": "predefined_audience",
                "config": {"persons": [7]},
                "exits": {"next": "ask"},
            },
            {
                "id": "ask",
                "type": "message",
                "config": {"text": "Coming tomorrow?", "buttons": [{"id": "ok", "caption": "OK"}]},
                "exits": {"ok": "eval"},
            },
            {
                "id": "eval",
                "type": "evaluate_reply",
                "config": config,
                "exits": {n: f"end_{n}" for n in names},
            },
            *[end(n) for n in names],
        ],
    }
    if variables:
        doc["variables"] = [{"name": name, "type": type_name} for name, type_name in variables.items()]
    return doc


YES_NO = {
    "channel": "any",
    "branches": [
        {
            "id": "yes",
            "name": "Yes",
            "conditions": [{"operator": "matches_text", "values": ["yes", "y", "sure"]}],
        },
        {"id": "no", "name": "No", "conditions": [{"operator": "contains_word", "values": ["no", "not"]}]},
        {
            "id": "code",
            "name": "Own code",
            "conditions": [{"operator": "equals_attribute", "attribute": "customer_code"}],
        },
    ],
    "variable": "answer",
    "timeout": {"amount": 1, "unit": "days"},
}


def waiting_at_eval(config: dict = YES_NO, variables: dict | None = None):
    doc = reply_flow(config, {"answer": "text"} if variables is None else variables)
    assert validate(doc) == [], validate(doc)
    defn = load(doc)
    sent = start(defn, entry_id="audience", person=ALICE, now=T0)
    asked = resume(defn, sent.state, reply={"node_id": "ask", "button_id": "ok"}, now=T0, person=ALICE)
    return defn, asked


def reply(text, channel: str = "sms") -> dict:
    inbound = {
        "channel": channel,
        "body": text,
        "sender": "+32475123456",
        "recipient": "",
        "message_id": "m9",
    }
    return {"node_id": "eval", "text": text, "inbound": {**inbound, "gateway_id": "g9"}}


# --- the registry -------------------------------------------------------------------------------------------


def test_the_three_types_are_in_the_palette():
    found = {d["type"]: d for d in describe()}
    assert (found["inbound_message"]["label"], found["inbound_message"]["category"]) == (
        "Inbound Message",
        "entry",
    )
    assert found["inbound_message"]["defaults"]["channel"] == "sms"
    assert (found["inbound_call"]["label"], found["inbound_call"]["category"]) == ("Inbound Call", "entry")
    assert (found["evaluate_reply"]["label"], found["evaluate_reply"]["category"]) == (
        "Evaluate inbound reply",
        "step",
    )
    assert elements.get("evaluate_reply").accepts_text is True


# --- Inbound Message ----------------------------------------------------------------------------------------


def test_a_valid_inbound_message_entry_starts_with_its_captures():
    config = {
        "channel": "sms",
        "recipient": "+32 470 00 00 01",
        "conditions": [{"operator": "contains_word", "values": ["join"]}],
        "capture": [
            {"source": "body", "variable": "text", "pattern": ""},
            {"source": "body", "variable": "member", "pattern": r"(\d+)"},
            {"source": "sender", "variable": "phone", "pattern": ""},
            {"source": "body", "variable": "order", "pattern": r"order (\d+)"},
        ],
    }
    declared = {"text": "text", "member": "number", "phone": "text", "order": "number"}
    doc = entry_flow("inbound_message", config, declared)
    assert validate(doc) == []
    entry = elements.get("inbound_message")

    variables = entry.start_variables(config, INBOUND, declared)

    # The number capture holds a number; "order" found nothing, so it is not set.
    assert variables == {"text": "JOIN 4711", "member": 4711, "phone": "+32475123456"}
    result = start(load(doc), entry_id="in", person=ALICE, now=T0, variables=variables)
    assert result.state["variables"] == variables
    assert result.state["exit"]["name"] == "done"


def test_a_capture_its_variable_cannot_hold_is_left_out():
    config = {
        "conditions": [{"operator": "anything"}],
        "capture": [{"source": "body", "variable": "n", "pattern": ""}],
    }
    assert elements.get("inbound_message").start_variables(config, INBOUND, {"n": "number"}) == {}


def test_the_router_entry_of_an_inbound_message():
    config = {"channel": "email", "recipient": "info@example.com", "conditions": [{"operator": "anything"}]}
    route = elements.get("inbound_message").route_entry(12, config, priority=5)
    assert (route.key, route.channel, route.recipient, route.priority) == (12, "email", "info@example.com", 5)


def test_inbound_message_needs_a_condition():
    doc = entry_flow("inbound_message", {"channel": "sms", "conditions": []})
    assert issues(doc) == [("required", "config.conditions", "Add a condition on the message")]


def test_inbound_message_reports_each_bad_condition_and_capture():
    config = {
        "channel": "email",
        "recipient": "not an address",
        "conditions": [
            {"operator": "matches_text", "values": ["yes", ""]},
            {"operator": "matches_regex", "pattern": r"(\w+) \1"},
            {"operator": "equals_attribute", "attribute": ""},
        ],
        "capture": [
            {"source": "body", "variable": "code", "pattern": "code (?=x)"},
            {"source": "sender", "variable": "code", "pattern": ""},
            {"source": "body", "variable": "9lives", "pattern": ""},
        ],
    }
    found = issues(entry_flow("inbound_message", config, {"code": "text"}))
    assert [(code, field) for code, field, _ in found] == [
        ("invalid_recipient", "config.recipient"),
        ("invalid_condition", "config.conditions[0].values[1]"),
        ("invalid_condition", "config.conditions[1].pattern"),
        ("invalid_condition", "config.conditions[2].attribute"),
        ("invalid_capture", "config.capture[0].pattern"),
        ("duplicate", "config.capture[1].variable"),
        ("invalid_capture", "config.capture[2].variable"),
    ]
    messages = [message for _, _, message in found]
    assert messages[0] == "The recipient must be an email address"
    assert messages[2] == (
        "The pattern does not compile: back-references such as \\1 are not supported "
        "(patterns run in linear time)"
    )


@pytest.mark.parametrize(
    ("channel", "recipient", "ok"),
    [
        ("sms", "", True),
        ("sms", "+32 470 00 00 01", True),
        ("sms", "8855", True),
        ("sms", "info@example.com", False),
        ("email", "Info@Example.com", True),
        ("email", "+32470000001", False),
        ("web", "service", True),
    ],
)
def test_the_recipient_must_suit_the_channel(channel, recipient, ok):
    config = {"channel": channel, "recipient": recipient, "conditions": [{"operator": "anything"}]}
    assert (issues(entry_flow("inbound_message", config)) == []) is ok


def test_a_flow_may_hold_several_inbound_message_entries():
    doc = entry_flow("inbound_message", {"conditions": [{"operator": "matches_text", "values": ["a"]}]})
    second = {"id": "in2", "type": "inbound_message", "config": {"conditions": [{"operator": "anything"}]}}
    doc["nodes"].append({**second, "exits": {"next": "end_done"}})
    assert validate(doc) == []


# --- Inbound Call -------------------------------------------------------------------------------------------


def test_inbound_call_keeps_the_chosen_call_fields():
    config = {"recipient": "+32 2 000 00 00", "variables": {"call_id": "call", "from": "caller", "to": ""}}
    doc = entry_flow("inbound_call", config, {"call": "text", "caller": "text"})
    assert validate(doc) == []

    variables = elements.get("inbound_call").start_variables(config, "c-1", "+32475123456", "+3220000000")

    assert variables == {"call": "c-1", "caller": "+32475123456"}
    assert (
        start(load(doc), entry_id="in", person=ALICE, now=T0, variables=variables).state["variables"]
        == variables
    )


def test_inbound_call_validation():
    config = {"recipient": "office", "variables": {"from": "the caller"}}
    assert [(code, field) for code, field, _ in issues(entry_flow("inbound_call", config))] == [
        ("invalid_recipient", "config.recipient"),
        ("invalid_name", "config.variables.from"),
    ]
    assert issues(entry_flow("inbound_call", elements.get("inbound_call").defaults())) == []


# --- Evaluate inbound reply: runtime ------------------------------------------------------------------------


def test_evaluate_reply_waits_without_sending_anything():
    _, asked = waiting_at_eval()

    assert not [e for e in asked.events if isinstance(e, SendMessage)]
    assert asked.state["current"] == "eval"
    assert asked.state["wait"] == {
        "kind": "reply",
        "wake_at": (T0 + timedelta(days=1)).isoformat(),
        "event": None,
    }


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("Yes", "yes"),
        (" SURE ", "yes"),
        ("yes please", "other"),  # matches_text wants the value alone
        ("No, not tomorrow", "no"),
        ("nobody knows", "other"),  # "no" is not a word of it
        ("my code: ab12", "code"),  # the person's customer_code
        ("", "other"),
    ],
)
def test_the_first_branch_the_reply_fulfils_is_taken(text, branch):
    defn, asked = waiting_at_eval()
    later = T0 + timedelta(hours=3)

    result = resume(defn, asked.state, reply=reply(text), now=later, person=ALICE)

    assert result.state["exit"]["name"] == branch
    assert result.state["variables"]["answer"] == text
    assert result.state["steps"][-1] == {
        "step_id": "eval",
        "step_type": "reply_step",
        "message": "",
        "answer_id": branch,
        "button": {"yes": "Yes", "no": "No", "code": "Own code"}.get(branch),
        "form_result": {"type": "unicode_result", "value": text},
        "display_value": text,
        "received_at": T0.isoformat(),
        "acknowledged_at": later.isoformat(),
    }


def test_branches_are_tried_in_order():
    config = {
        "branches": [
            {"id": "first", "name": "First", "conditions": [{"operator": "contains_text", "values": ["o"]}]},
            {"id": "exact", "name": "Exact", "conditions": [{"operator": "matches_text", "values": ["no"]}]},
        ]
    }
    defn, asked = waiting_at_eval(config, variables={})
    # Unlike the router's operator ranks, the first branch wins here even though "exact" matches better.
    assert resume(defn, asked.state, reply=reply("no"), now=T0).state["exit"]["name"] == "first"


def test_anything_inside_a_branch_catches_every_reply():
    config = {"branches": [{"id": "all", "name": "All", "conditions": [{"operator": "anything"}]}]}
    defn, asked = waiting_at_eval(config, variables={})
    assert resume(defn, asked.state, reply=reply("whatever"), now=T0).state["exit"]["name"] == "all"


def test_nobody_replying_in_time_takes_no_answer():
    defn, asked = waiting_at_eval()
    with pytest.raises(StaleReply):
        wake(defn, asked.state, now=T0 + timedelta(hours=23), person=ALICE)

    result = wake(defn, asked.state, now=T0 + timedelta(days=1), person=ALICE)

    assert result.state["exit"]["name"] == "no_answer"
    assert "answer" not in result.state["variables"]
    with pytest.raises(StaleReply):
        resume(defn, result.state, reply=reply("yes"), now=T0 + timedelta(days=2))


def test_a_reply_on_another_channel_or_without_text_is_refused():
    defn, asked = waiting_at_eval({**YES_NO, "channel": "email"})
    with pytest.raises(InvalidReply, match="waits for a reply by email, not by sms"):
        resume(defn, asked.state, reply=reply("yes", channel="sms"), now=T0)
    with pytest.raises(InvalidReply, match="waits for a text reply"):
        resume(defn, asked.state, reply={"node_id": "eval", "button_id": "ok"}, now=T0)
    assert (
        resume(defn, asked.state, reply=reply("yes", channel="email"), now=T0).state["exit"]["name"] == "yes"
    )


def test_accepts_channel():
    element = elements.get("evaluate_reply")
    assert element.accepts_channel({"channel": "any"}, "sms")
    assert element.accepts_channel({"channel": "sms"}, "sms")
    assert not element.accepts_channel({"channel": "sms"}, "web")


def test_a_reply_its_variable_cannot_hold_is_noted_not_kept():
    defn, asked = waiting_at_eval({**YES_NO, "variable": "count"}, variables={"count": "number"})

    result = resume(defn, asked.state, reply=reply("yes"), now=T0, person=ALICE)

    assert result.state["exit"]["name"] == "yes"
    assert "count" not in result.state["variables"]
    [entry] = [h for h in result.state["history"] if h["node_id"] == "eval"]
    assert entry["note"] == "The reply was not kept in count: 'yes' is not a number"


# --- Evaluate inbound reply: validation ---------------------------------------------------------------------


def test_evaluate_reply_exits():
    element = elements.get("evaluate_reply")
    assert element.exits(YES_NO) == ["yes", "no", "code", "other", "no_answer"]
    assert element.exits({**YES_NO, "timeout": None}) == ["yes", "no", "code", "other"]


def test_evaluate_reply_validation():
    config = {
        "channel": "any",
        "branches": [
            {"id": "other", "name": "Other", "conditions": [{"operator": "anything"}]},
            {"id": "a", "name": " ", "conditions": []},
            {"id": "a", "name": "Again", "conditions": [{"operator": "matches_regex", "pattern": "(x"}]},
            {"id": "no_answer", "name": "Late", "conditions": [{"operator": "anything"}]},
        ],
        "variable": "my reply",
        "timeout": {"amount": 0, "unit": "days"},
    }
    found = [(code, field) for code, field, _ in issues(reply_flow(config)) if code != "unwired_exit"]
    assert found == [
        ("invalid_id", "config.branches[0].id"),
        ("required", "config.branches[1].name"),
        ("duplicate", "config.branches[2].id"),
        ("required", "config.branches[1].conditions"),
        ("invalid_condition", "config.branches[2].conditions[0].pattern"),
        ("reserved_id", "config.branches[3].id"),
        ("invalid_name", "config.variable"),
        ("invalid", "config.timeout"),
    ]


def test_evaluate_reply_needs_a_branch():
    found = issues(reply_flow({"branches": []}))
    assert ("required", "config.branches", "Add at least one branch") in found


def test_each_type_names_the_variables_it_writes_for_the_declared_variable_check():
    assert elements.get("inbound_message").variable_references(
        {"conditions": [], "capture": [{"source": "body", "variable": "code", "pattern": ""}, "junk"]}
    ) == [("config.capture[0].variable", "code")]
    assert elements.get("inbound_call").variable_references(
        {"variables": {"call_id": "", "from": "caller", "to": 3}}
    ) == [("config.variables.from", "caller")]
    assert elements.get("evaluate_reply").variable_references({"branches": [], "variable": "reply"}) == [
        ("config.variable", "reply")
    ]
    assert elements.get("evaluate_reply").variable_references({"branches": [], "variable": ""}) == []
