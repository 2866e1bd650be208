import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from engine.core import elements
from engine.core.definition import FlowDefinition, load
from engine.core.elements import ElementType, Step
from engine.core.runtime import (
    MAX_NODES_PER_ADVANCE,
    Completed,
    Failed,
    InvalidReply,
    ReplyError,
    SendMessage,
    StaleReply,
    resume,
    start,
)
from tests.engine.core import example_flow, node

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(hours=2)

M1_BUTTONS = [{"id": "yes", "caption": "Yes", "action": ""}, {"id": "no", "caption": "No", "action": ""}]


def defn_with(mutate=None) -> FlowDefinition:
    doc = example_flow()
    if mutate:
        mutate(doc)
    return load(doc)


def started(defn: FlowDefinition | None = None, **kwargs):
    return start(defn or defn_with(), entry_id="entry", person={"id": 12}, now=T0, **kwargs)


def test_start_runs_through_the_audience_and_waits_at_the_first_message():
    result = started()
    assert result.events == [SendMessage(node_id="m1", text="Hi! Coming?", buttons=M1_BUTTONS)]
    assert result.state == {
        "status": "waiting",
        "current": "m1",
        "variables": {},
        "history": [
            {
                "node_id": "entry",
                "type": "predefined_audience",
                "entered_at": T0.isoformat(),
                "left_at": T0.isoformat(),
                "exit": "next",
            },
            {
                "node_id": "m1",
                "type": "message",
                "entered_at": T0.isoformat(),
                "left_at": None,
                "exit": None,
                "memo": {"text": "Hi! Coming?"},
            },
        ],
        "steps": [],
        "exit": None,
        "wait": {"kind": "reply", "wake_at": None, "event": None},
    }


def test_yes_branch_walks_m1_m2_done():
    defn = defn_with()
    first = started(defn)
    second = resume(defn, first.state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert second.events == [
        SendMessage(node_id="m2", text="Great", buttons=[{"id": "ok", "caption": "OK", "action": ""}])
    ]
    assert "memo" not in second.state["history"][1]  # answered: the text now lives in the results step
    assert (second.state["status"], second.state["current"]) == ("waiting", "m2")

    third = resume(defn, second.state, reply={"node_id": "m2", "button_id": "ok"}, now=T2)
    assert third.events == [Completed(node_id="done", exit_name="Finished")]
    state = third.state
    assert (state["status"], state["exit"]) == ("completed", {"node_id": "done", "name": "Finished"})
    assert [(h["node_id"], h["exit"], h["left_at"]) for h in state["history"]] == [
        ("entry", "next", T0.isoformat()),
        ("m1", "yes", T1.isoformat()),
        ("m2", "ok", T2.isoformat()),
        ("done", None, T2.isoformat()),
    ]
    assert state["steps"] == [
        {
            "step_id": "m1",
            "step_type": "message_step",
            "message": "Hi! Coming?",
            "answer_id": "yes",
            "button": "Yes",
            "form_result": None,
            "display_value": "Yes",
            "received_at": T0.isoformat(),
            "acknowledged_at": T1.isoformat(),
        },
        {
            "step_id": "m2",
            "step_type": "message_step",
            "message": "Great",
            "answer_id": "ok",
            "button": "OK",
            "form_result": None,
            "display_value": "OK",
            "received_at": T1.isoformat(),
            "acknowledged_at": T2.isoformat(),
        },
    ]


def test_no_branch_goes_straight_to_the_exit():
    defn = defn_with()
    result = resume(defn, started(defn).state, reply={"node_id": "m1", "button_id": "no"}, now=T1)
    assert result.events == [Completed(node_id="done", exit_name="Finished")]
    assert result.state["exit"] == {"node_id": "done", "name": "Finished"}
    assert [s["answer_id"] for s in result.state["steps"]] == ["no"]
    assert [h["node_id"] for h in result.state["history"]] == ["entry", "m1", "done"]


def test_variables_are_carried_and_copied():
    variables = {"source": {"campaign": "spring"}}
    result = started(variables=variables)
    assert result.state["variables"] == variables
    result.state["variables"]["source"]["campaign"] = "changed"
    assert variables == {"source": {"campaign": "spring"}}


def test_start_at_a_non_entry_node_is_refused():
    with pytest.raises(ValueError, match='"m1" is not an entry point'):
        start(defn_with(), entry_id="m1", person={}, now=T0)


@pytest.mark.parametrize(
    ("walk", "reply"),
    [
        pytest.param([], {"node_id": "m2", "button_id": "ok"}, id="reply-to-a-message-not-yet-sent"),
        pytest.param(
            [("m1", "yes")], {"node_id": "m1", "button_id": "no"}, id="second-click-on-answered-message"
        ),
        pytest.param([("m1", "no")], {"node_id": "m1", "button_id": "no"}, id="reply-after-completion"),
        pytest.param([], {"button_id": "yes"}, id="reply-without-node"),
    ],
)
def test_stale_replies_are_refused(walk: list[tuple[str, str]], reply: dict):
    defn = defn_with()
    state = started(defn).state
    for node_id, button_id in walk:
        state = resume(defn, state, reply={"node_id": node_id, "button_id": button_id}, now=T1).state
    with pytest.raises(StaleReply) as exc:
        resume(defn, state, reply=reply, now=T2)
    assert exc.value.code == "stale"
    assert isinstance(exc.value, ReplyError)


@pytest.mark.parametrize("reply", [{"node_id": "m1", "button_id": "maybe"}, {"node_id": "m1"}])
def test_unknown_buttons_are_invalid(reply: dict):
    defn = defn_with()
    state = started(defn).state
    with pytest.raises(InvalidReply) as exc:
        resume(defn, state, reply=reply, now=T1)
    assert exc.value.code == "invalid"


def test_refused_replies_leave_the_participant_waiting():
    defn = defn_with()
    state = started(defn).state
    with pytest.raises(InvalidReply):
        resume(defn, state, reply={"node_id": "m1", "button_id": "maybe"}, now=T1)
    result = resume(defn, state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert result.state["current"] == "m2"


def test_resume_does_not_mutate_the_input_state():
    defn = defn_with()
    state = started(defn).state
    before = copy.deepcopy(state)
    resume(defn, state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert state == before


def test_state_round_trips_through_json_at_every_step():
    defn = defn_with()
    state = json.loads(json.dumps(started(defn).state))
    for node_id, button_id in [("m1", "yes"), ("m2", "ok")]:
        result = resume(defn, state, reply={"node_id": node_id, "button_id": button_id}, now=T1)
        state = json.loads(json.dumps(result.state))
        assert state == result.state
    assert state["status"] == "completed"


def test_same_inputs_same_result():
    defn = defn_with()
    assert started(defn) == started(defn)


@pytest.mark.parametrize(
    ("mutate", "at_start", "failed"),
    [
        pytest.param(
            lambda doc: node(doc, "m1")["exits"].update(no=None),
            False,
            Failed(node_id="m1", reason='Exit "no" of "m1" is not connected'),
            id="unwired-button",
        ),
        pytest.param(
            lambda doc: node(doc, "m1")["exits"].update(no="ghost"),
            False,
            Failed(node_id="m1", reason='Exit "no" of "m1" leads to unknown node "ghost"'),
            id="unknown-destination",
        ),
        pytest.param(
            lambda doc: node(doc, "entry")["exits"].clear(),
            True,
            Failed(node_id="entry", reason='Exit "next" of "entry" is not connected'),
            id="entry-without-next",
        ),
        pytest.param(
            lambda doc: node(doc, "done").update(type="carrier_pigeon"),
            False,
            Failed(node_id="done", reason='Unknown element type "carrier_pigeon"'),
            id="unknown-element-type",
        ),
    ],
)
def test_failures_stop_the_participant_with_a_reason(mutate, at_start: bool, failed: Failed):
    defn = defn_with(mutate)
    result = started(defn)
    if not at_start:
        result = resume(defn, result.state, reply={"node_id": "m1", "button_id": "no"}, now=T1)
    assert result.events[-1] == failed
    assert (result.state["status"], result.state["current"], result.state["exit"]) == (
        "failed",
        failed.node_id,
        None,
    )
    with pytest.raises(StaleReply):
        resume(defn, result.state, reply={"node_id": failed.node_id, "button_id": "no"}, now=T2)


class PassThrough(ElementType):
    """A step that never waits, like the later update-profile or split steps."""

    type = "pass_through"
    label = "Pass through"
    category = "step"

    def exits(self, config: dict) -> list[str]:
        return ["next"]

    def enter(self, node, ctx) -> Step:
        return Step.follow("next")


def test_loop_of_pass_through_steps_fails_instead_of_spinning(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(elements._REGISTRY, "pass_through", PassThrough())

    def loop(doc: dict) -> None:
        node(doc, "m2")["exits"]["ok"] = "a"
        doc["nodes"] += [
            {"id": "a", "type": "pass_through", "config": {}, "exits": {"next": "b"}},
            {"id": "b", "type": "pass_through", "config": {}, "exits": {"next": "a"}},
        ]

    defn = defn_with(loop)
    state = resume(defn, started(defn).state, reply={"node_id": "m1", "button_id": "yes"}, now=T1).state
    result = resume(defn, state, reply={"node_id": "m2", "button_id": "ok"}, now=T2)
    assert result.events == [
        Failed(
            node_id="a", reason=f"Entered {MAX_NODES_PER_ADVANCE} elements without waiting; the flow loops"
        )
    ]
    assert result.state["status"] == "failed"
    entered_after_reply = result.state["history"][3:]
    assert len(entered_after_reply) == MAX_NODES_PER_ADVANCE == 100
    assert [h["node_id"] for h in entered_after_reply[:3]] == ["a", "b", "a"]


def test_a_long_chain_of_pass_through_steps_within_the_limit_completes(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(elements._REGISTRY, "pass_through", PassThrough())
    doc = example_flow()
    # entry + 98 pass-through + done = exactly 100 entered in one advance.
    chain = [f"p{i}" for i in range(98)]
    node(doc, "entry")["exits"]["next"] = chain[0]
    doc["nodes"] += [
        {"id": p, "type": "pass_through", "config": {}, "exits": {"next": nxt}}
        for p, nxt in zip(chain, [*chain[1:], "done"], strict=True)
    ]
    result = started(load(doc))
    assert result.events == [Completed(node_id="done", exit_name="Finished")]
    assert len(result.state["history"]) == 100


def test_entry_wired_straight_to_an_exit_completes_at_start():
    result = started(defn_with(lambda doc: node(doc, "entry")["exits"].update(next="done")))
    assert result.events == [Completed(node_id="done", exit_name="Finished")]
    assert result.state["status"] == "completed"
