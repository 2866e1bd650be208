"""The complete Message element: options, actions, dismiss, templates, auto-lock; Send/Email results; End."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from engine.core import elements
from engine.core.definition import load
from engine.core.runtime import (
    Completed,
    EmailResults,
    Failed,
    FlushResults,
    InvalidReply,
    SendMessage,
    StaleReply,
    change_answer,
    resume,
    start,
)
from engine.core.validate import validate
from tests.engine.core import example_flow, node

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(hours=2)


def flow(m1_config: dict | None = None, **m1_exits) -> dict:
    """The docs example with m1's config replaced (keeping yes/no wiring unless given)."""
    doc = example_flow()
    m1 = node(doc, "m1")
    if m1_config is not None:
        m1["config"] = m1_config
    m1["exits"].update(m1_exits)
    return doc


BUTTONS = [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}]


def issues_of(doc: dict, node_id: str = "m1") -> list[tuple[str, str | None]]:
    return [(i.code, i.field) for i in validate(doc) if i.node_id == node_id]


# --- validation ---------------------------------------------------------------------------------------


def test_the_full_option_set_validates():
    config = {
        "text": "Hi {{ person.first_name|default('friend') }}",
        "buttons": [
            {"id": "yes", "caption": "Yes", "action": ""},
            {"id": "no", "caption": "No", "action": "confirm://Really no?"},
        ],
        "allow_dismiss": True,
        "dismiss_caption": "Later",
        "branding": "party-2025",
        "alert": {"type": "RING_15", "interval": "INTERVAL_300", "vibrate": True},
        "auto_lock": False,
        "attachments": [
            {
                "name": "Map",
                "url": "https://example.com/map.pdf",
                "content_type": "application/pdf",
                "size": 0,
            }
        ],
    }
    assert validate(flow(config, dismiss="done")) == []


@pytest.mark.parametrize(
    "action",
    [
        "",
        "tel://+32 9 123 45 67",
        "tel://0475-12-34-56",
        "confirm://Are you sure?",
        "geo://51.0543,3.7174",
        "geo://-90,180",
        "geo://-33.9, -70.6",
        "http://example.com",
        "https://example.com/a?b=c#d",
        "mailto:info@example.com",
        "mailto:info@example.com?subject=Hi",
    ],
)
def test_good_actions_pass(action: str):
    config = {"text": "Hi", "buttons": [{"id": "yes", "caption": "Yes", "action": action}, BUTTONS[1]]}
    assert issues_of(flow(config)) == []


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("tel://", "phone number"),
        ("tel://call me", "phone number"),
        ("tel://+", "phone number"),
        ("confirm://", "question to confirm"),
        ("confirm://   ", "question to confirm"),
        ("geo://91,3", "latitude"),
        ("geo://51,181", "latitude"),
        ("geo://51", "latitude"),
        ("geo://north,south", "latitude"),
        ("http://", "host name"),
        ("https:///path", "host name"),
        ("https://exa mple.com", "host name"),
        ("mailto:", "email address"),
        ("mailto:not-an-address", "email address"),
        ("ftp://example.com", "must start with"),
        ("javascript:alert(1)", "must start with"),
        ("example.com", "must start with"),
    ],
)
def test_bad_actions_are_issues_on_the_button(action: str, message: str):
    config = {"text": "Hi", "buttons": [BUTTONS[0], {"id": "no", "caption": "No", "action": action}]}
    issues = [i for i in validate(flow(config)) if i.node_id == "m1"]
    assert [(i.code, i.field) for i in issues] == [("invalid_action", "config.buttons[1].action")]
    assert message in issues[0].message and issues[0].message.startswith("Button 2: ")


@pytest.mark.parametrize(
    ("config", "exits", "expected"),
    [
        pytest.param(
            {"text": "Hi", "buttons": []}, {}, [("required", "config.buttons")], id="no-button-no-dismiss"
        ),
        pytest.param(
            {"text": "Hi", "buttons": [], "allow_dismiss": True},
            {"dismiss": "done"},
            [],
            id="dismiss-only-is-enough",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "allow_dismiss": True},
            {},
            [("unwired_exit", "exits.dismiss")],
            id="dismiss-must-be-wired",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS},
            {"dismiss": "done"},
            [("unknown_exit", "exits.dismiss")],
            id="dismiss-exit-without-allow-dismiss",
        ),
        pytest.param(
            {"text": "Hi", "buttons": [BUTTONS[0], {"id": "dismiss", "caption": "Go"}]},
            {"dismiss": "done"},
            [("reserved_id", "config.buttons[1].id")],
            id="button-id-dismiss-is-reserved",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "allow_dismiss": True, "dismiss_caption": " "},
            {"dismiss": "done"},
            [("required", "config.dismiss_caption")],
            id="blank-dismiss-caption",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "allow_dismiss": True, "dismiss_caption": "x" * 65},
            {"dismiss": "done"},
            [("too_long", "config.dismiss_caption")],
            id="long-dismiss-caption",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "allow_dismiss": True, "dismiss_caption": "YES"},
            {"dismiss": "done"},
            [("duplicate", "config.dismiss_caption")],
            id="dismiss-caption-same-as-a-button",
        ),
        pytest.param(
            {"text": "Hi", "buttons": [BUTTONS[0], {"id": "no", "caption": "yes "}]},
            {},
            [("duplicate", "config.buttons[1].caption")],
            id="captions-unique-ignoring-case",
        ),
        pytest.param(
            {"text": "Hi", "buttons": [BUTTONS[0], {"id": "yes", "caption": "Again"}]},
            {},
            [("duplicate", "config.buttons[1].id")],
            id="ids-unique",
        ),
        pytest.param(
            {"text": "Hi {{ person.first_name ", "buttons": BUTTONS},
            {},
            [("bad_template", "config.text")],
            id="template-syntax",
        ),
        pytest.param(
            {"text": "{% macro x() %}{% endmacro %}", "buttons": BUTTONS},
            {},
            [("bad_template", "config.text")],
            id="template-forbidden-tag",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "alert": {"type": "LOUD"}},
            {},
            [("invalid_config", "config.alert.type")],
            id="alert-type-enum",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "alert": {"interval": "INTERVAL_10"}},
            {},
            [("invalid_config", "config.alert.interval")],
            id="alert-interval-enum",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "alert": {"vibrate": "yes"}},
            {},
            [("invalid_config", "config.alert.vibrate")],
            id="alert-vibrate-bool",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": "no"},
            {},
            [("invalid_config", "config.auto_lock")],
            id="auto-lock-bool",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "branding": ""},
            {},
            [("invalid_config", "config.branding")],
            id="branding-blank",
        ),
        pytest.param(
            {"text": "Hi", "buttons": BUTTONS, "branding": None},
            {},
            [],
            id="branding-null",
        ),
        pytest.param(
            {
                "text": "Hi",
                "buttons": BUTTONS,
                "attachments": [{"name": "a", "url": "https://x.org/a", "content_type": "a/b", "size": -1}],
            },
            {},
            [("invalid_config", "config.attachments[0].size")],
            id="attachment-size-not-negative",
        ),
        pytest.param(
            {
                "text": "Hi",
                "buttons": BUTTONS,
                "attachments": [{"name": "a", "url": "https://x.org/a", "content_type": "a/b"}],
            },
            {},
            [("invalid_config", "config.attachments[0]")],
            id="attachment-size-required",
        ),
        pytest.param(
            {
                "text": "Hi",
                "buttons": BUTTONS,
                "attachments": [
                    {"name": "ok", "url": "https://x.org/a", "content_type": "a/b", "size": 1},
                    {"name": " ", "url": "ftp://x.org/a", "content_type": "", "size": 1},
                ],
            },
            {},
            [
                ("required", "config.attachments[1].name"),
                ("invalid_url", "config.attachments[1].url"),
                ("required", "config.attachments[1].content_type"),
            ],
            id="attachment-name-url-type",
        ),
    ],
)
def test_message_rules(config: dict, exits: dict, expected: list):
    doc = flow(config)
    node(doc, "m1")["exits"] = {k: v for k, v in {"yes": "m2", "no": "done", **exits}.items()}
    # Exits the config does not have are reported as unknown; only keep the ones the case is about.
    wanted = {b["id"] for b in config["buttons"]} | set(exits)
    node(doc, "m1")["exits"] = {k: v for k, v in node(doc, "m1")["exits"].items() if k in wanted}
    assert issues_of(doc) == expected


def test_unwired_dismiss_reads_well():
    config = {"text": "Hi", "buttons": BUTTONS, "allow_dismiss": True, "dismiss_caption": "Got it"}
    [issue] = [i for i in validate(flow(config)) if i.code == "unwired_exit"]
    assert issue.message == 'The dismiss button "Got it" is not connected to a next step'


@pytest.mark.parametrize(
    ("config", "exits"),
    [
        ({"buttons": BUTTONS}, ["yes", "no"]),
        ({"buttons": BUTTONS, "allow_dismiss": True}, ["yes", "no", "dismiss"]),
        ({"buttons": [], "allow_dismiss": True}, ["dismiss"]),
        ({"buttons": BUTTONS, "allow_dismiss": False}, ["yes", "no"]),
    ],
)
def test_message_exits(config: dict, exits: list[str]):
    assert elements.get("message").exits(config) == exits


# --- runtime --------------------------------------------------------------------------------------------


PERSON = {"id": 12, "first_name": "Erin", "last_name": ""}


def run(doc: dict, person: dict | None = None, variables: dict | None = None):
    return start(load(doc), entry_id="entry", person=person or PERSON, now=T0, variables=variables)


def test_send_message_carries_every_option_and_the_rendered_text():
    config = {
        "text": "Hi {{ person.first_name }} from {{ variables.city|default('here') }}",
        "buttons": [
            {"id": "yes", "caption": "Yes", "action": "tel://+3291234567"},
            {"id": "no", "caption": "No"},
        ],
        "allow_dismiss": True,
        "dismiss_caption": "Later",
        "branding": "party",
        "alert": {"type": "BEEP"},
        "auto_lock": False,
        "attachments": [
            {"name": "Map", "url": "https://x.org/m.pdf", "content_type": "application/pdf", "size": 10}
        ],
    }
    result = run(flow(config, dismiss="done"), variables={"city": "Ghent"})
    assert result.events == [
        SendMessage(
            node_id="m1",
            text="Hi Erin from Ghent",
            buttons=[
                {"id": "yes", "caption": "Yes", "action": "tel://+3291234567"},
                {"id": "no", "caption": "No", "action": ""},
            ],
            allow_dismiss=True,
            dismiss_caption="Later",
            branding="party",
            alert={"type": "BEEP", "interval": "NONE", "vibrate": False},
            auto_lock=False,
            attachments=[
                {"name": "Map", "url": "https://x.org/m.pdf", "content_type": "application/pdf", "size": 10}
            ],
        )
    ]


def test_a_v1_message_gets_rogerthat_defaults():
    [event] = run(example_flow()).events
    assert (event.allow_dismiss, event.dismiss_caption, event.branding, event.alert, event.auto_lock) == (
        False,
        "Roger that",
        None,
        {"type": "SILENT", "interval": "NONE", "vibrate": False},
        True,
    )
    assert event.attachments == []


def test_the_results_step_holds_the_text_as_sent_and_later_messages_use_the_person_given_to_resume():
    doc = flow({"text": "Hi {{ person.first_name }}", "buttons": BUTTONS})
    node(doc, "m2")["config"]["text"] = "Bye {{ person.first_name|default('you') }}"
    defn = load(doc)
    first = start(defn, entry_id="entry", person={"first_name": "Erin"}, now=T0)
    # The person was renamed while the message waited: the sent text stays what Erin saw.
    second = resume(
        defn, first.state, reply={"node_id": "m1", "button_id": "yes"}, now=T1, person={"first_name": "Eve"}
    )
    assert second.state["steps"][0]["message"] == "Hi Erin"
    assert second.events[0].text == "Bye Eve"
    # Without a person, templates see no person at all.
    third = resume(defn, first.state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert third.events[0].text == "Bye you"


def test_a_text_that_cannot_be_rendered_fails_the_participant_with_the_reason():
    result = run(flow({"text": "{{ 1 / variables.zero }}", "buttons": BUTTONS}), variables={"zero": 0})
    assert result.events == [
        Failed(
            node_id="m1",
            reason="The text of message 'm1' could not be rendered: ZeroDivisionError: division by zero",
        )
    ]
    assert (result.state["status"], result.state["current"]) == ("failed", "m1")


def test_dismiss_follows_the_dismiss_exit_and_records_a_step_without_answer():
    config = {"text": "Note", "buttons": BUTTONS, "allow_dismiss": True, "dismiss_caption": "Roger that"}
    doc = flow(config, dismiss="m2")
    defn = load(doc)
    result = resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": None}, now=T1)
    assert result.state["current"] == "m2"
    assert result.state["history"][1]["exit"] == "dismiss"
    assert result.state["steps"] == [
        {
            "step_id": "m1",
            "step_type": "message_step",
            "message": "Note",
            "answer_id": None,
            "button": None,
            "form_result": None,
            "display_value": "Roger that",
            "received_at": T0.isoformat(),
            "acknowledged_at": T1.isoformat(),
        }
    ]


def test_dismiss_is_invalid_where_it_is_not_allowed():
    doc = example_flow()
    with pytest.raises(InvalidReply, match="cannot be dismissed"):
        resume(load(doc), run(doc).state, reply={"node_id": "m1", "button_id": None}, now=T1)


def answered(config: dict, button_id: str | None = "yes", **exits):
    doc = flow(config, **exits)
    defn = load(doc)
    return defn, resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": button_id}, now=T1).state


@pytest.mark.parametrize(
    ("button_id", "answer_id", "button", "display"),
    [("no", "no", "No", "No"), (None, None, None, "Later"), ("yes", "yes", "Yes", "Yes")],
)
def test_change_answer_replaces_only_the_recorded_step(button_id, answer_id, button, display):
    config = {
        "text": "Hi",
        "buttons": BUTTONS,
        "auto_lock": False,
        "allow_dismiss": True,
        "dismiss_caption": "Later",
    }
    defn, state = answered(config, dismiss="done")
    before = copy.deepcopy(state)
    result = change_answer(defn, state, step_index=0, reply={"node_id": "m1", "button_id": button_id}, now=T2)
    assert result.events == []
    assert state == before  # pure
    expected = copy.deepcopy(before)
    expected["steps"][0].update(
        answer_id=answer_id, button=button, display_value=display, acknowledged_at=T2.isoformat()
    )
    assert result.state == expected  # the flow did not move: same current node, history, status


@pytest.mark.parametrize(
    ("config", "step_index", "reply", "error"),
    [
        ({"text": "Hi", "buttons": BUTTONS}, 0, {"node_id": "m1", "button_id": "no"}, InvalidReply),
        (
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": True},
            0,
            {"node_id": "m1", "button_id": "no"},
            InvalidReply,
        ),
        (
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": False},
            0,
            {"node_id": "m1", "button_id": "maybe"},
            InvalidReply,
        ),
        (
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": False},
            0,
            {"node_id": "m1", "button_id": None},
            InvalidReply,
        ),
        (
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": False},
            1,
            {"node_id": "m1", "button_id": "no"},
            StaleReply,
        ),
        (
            {"text": "Hi", "buttons": BUTTONS, "auto_lock": False},
            0,
            {"node_id": "m2", "button_id": "ok"},
            StaleReply,
        ),
    ],
)
def test_change_answer_refusals(config, step_index, reply, error):
    defn, state = answered(config)
    with pytest.raises(error):
        change_answer(defn, state, step_index=step_index, reply=reply, now=T2)


# --- Send results, Email results, End ---------------------------------------------------------------


def with_step(step: dict) -> dict:
    """entry -> m1; m1 "yes" -> the step -> m2."""
    doc = example_flow()
    node(doc, "m1")["exits"]["yes"] = step["id"]
    doc["nodes"].append({**step, "exits": {"next": "m2", **step.get("exits", {})}})
    return doc


def test_send_results_passes_on_and_asks_for_a_flush():
    doc = with_step({"id": "flush", "type": "send_results", "config": {}})
    assert validate(doc) == []
    defn = load(doc)
    result = resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert [type(e) for e in result.events] == [FlushResults, SendMessage]
    assert result.events[0] == FlushResults(node_id="flush")
    assert [(h["node_id"], h["exit"]) for h in result.state["history"]][2:] == [
        ("flush", "next"),
        ("m2", None),
    ]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"emails": ["ann@example.com"]}, []),
        ({"email_admins": True}, []),
        ({"emails": [], "email_admins": True}, []),
        ({}, [("required", "config.emails")]),
        ({"emails": [], "email_admins": False}, [("required", "config.emails")]),
        ({"emails": ["ann@example.com", "not an address"]}, [("invalid_email", "config.emails[1]")]),
        ({"emails": ["ann@", "@x.org", "a@b"]}, [("invalid_email", f"config.emails[{i}]") for i in range(3)]),
        ({"emails": ["ann@example.com", "ANN@example.com "]}, [("duplicate", "config.emails[1]")]),
        ({"emails": "ann@example.com"}, [("invalid_config", "config.emails")]),
        ({"emails": [], "email_admins": "yes"}, [("invalid_config", "config.email_admins")]),
        ({"emails": [], "cc": []}, [("invalid_config", "config")]),
    ],
)
def test_email_results_rules(config: dict, expected: list):
    doc = with_step({"id": "mail", "type": "email_results", "config": config})
    assert issues_of(doc, "mail") == expected


def test_email_results_passes_on_with_its_recipients():
    doc = with_step(
        {
            "id": "mail",
            "type": "email_results",
            "config": {"emails": [" ann@example.com "], "email_admins": True},
        }
    )
    defn = load(doc)
    result = resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": "yes"}, now=T1)
    assert result.events[0] == EmailResults(node_id="mail", emails=["ann@example.com"], email_admins=True)
    assert result.state["current"] == "m2"


def test_new_steps_have_one_exit_and_need_it_wired():
    doc = with_step({"id": "flush", "type": "send_results", "config": {}})
    node(doc, "flush")["exits"] = {}
    assert issues_of(doc, "flush") == [("unwired_exit", "exits.next")]
    node(doc, "flush")["config"] = {"x": 1}
    assert issues_of(doc, "flush")[0] == ("invalid_config", "config")


@pytest.mark.parametrize(
    ("config", "follow_up"), [({"name": "End"}, False), ({"name": "End", "wait_for_follow_up": True}, True)]
)
def test_exit_reports_wait_for_follow_up(config: dict, follow_up: bool):
    doc = example_flow()
    node(doc, "done")["config"] = config
    assert validate(doc) == []
    defn = load(doc)
    result = resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": "no"}, now=T1)
    assert result.events == [Completed(node_id="done", exit_name="End", wait_for_follow_up=follow_up)]


def test_exit_follow_up_must_be_a_boolean():
    doc = example_flow()
    node(doc, "done")["config"] = {"name": "End", "wait_for_follow_up": "yes"}
    assert issues_of(doc, "done") == [("invalid_config", "config.wait_for_follow_up")]
