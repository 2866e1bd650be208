"""Message and Form message on SMS/email: the channel options, their validation, the "other" exit and a
text reply taken all the way through the runtime."""

from datetime import UTC, datetime, timedelta

import pytest

from engine.core import elements, text_replies
from engine.core.definition import load
from engine.core.runtime import Failed, InvalidReply, SendMessage, change_answer, resume, start
from engine.core.validate import validate
from tests.engine.core import example_flow, node

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=3)
T2 = T0 + timedelta(hours=1)
PERSON = {"id": 12, "first_name": "Erin"}
BUTTONS = [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}]


def message_flow(**config) -> dict:
    """The docs example: m1 "Hi! Coming?" (yes: m2, no: done), with extra config on m1."""
    doc = example_flow()
    node(doc, "m1")["config"].update(config)
    return doc


def form_flow(widget: dict | None = None, **config) -> dict:
    """The docs example with m1 a form message (positive: m2, negative: done)."""
    doc = example_flow()
    m1 = node(doc, "m1")
    m1["type"] = "form_message"
    m1["config"] = {
        "text": "Your score?",
        "widget": widget or {"type": "slider", "min": 1, "max": 10},
        **config,
    }
    m1["exits"] = {"positive": "m2", "negative": "done"}
    return doc


def issues_of(doc: dict) -> list[tuple[str, str | None]]:
    return [(i.code, i.field) for i in validate(doc) if i.node_id == "m1"]


def run(doc: dict, **kwargs):
    return start(load(doc), entry_id="entry", person=PERSON, now=T0, **kwargs)


# --- config and what is sent --------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [message_flow, form_flow])
def test_without_channel_options_a_message_goes_to_the_web_inbox(make):
    [event] = run(make()).events
    assert (event.channel, event.reprompt) == ("web", "")


@pytest.mark.parametrize("channel", ["sms", "email", "preferred"])
def test_the_channel_and_the_rendered_reprompt_go_with_the_message(channel: str):
    doc = message_flow(channel=channel, reprompt="{{ person.first_name }}, answer 1 or 2 please.")
    assert validate(doc) == []
    [event] = run(doc).events
    assert event == SendMessage(
        node_id="m1",
        text="Hi! Coming?",
        buttons=[{"id": "yes", "caption": "Yes", "action": ""}, {"id": "no", "caption": "No", "action": ""}],
        channel=channel,
        reprompt="Erin, answer 1 or 2 please.",
    )


def test_a_form_carries_its_channel_and_reprompt():
    [event] = run(form_flow(channel="sms", reprompt="Just a number, {{ person.first_name }}.")).events
    assert (event.channel, event.reprompt) == ("sms", "Just a number, Erin.")
    assert event.form["widget"]["type"] == "slider"


def test_the_reprompt_is_translated_like_the_text():
    doc = message_flow(channel="sms", reprompt="Answer 1 or 2.")
    doc["translations"] = {"nl": {"m1": {"text": "Kom je?", "reprompt": "Antwoord 1 of 2."}}}
    [event] = start(load(doc), entry_id="entry", person={**PERSON, "language": "nl"}, now=T0).events
    assert (event.text, event.reprompt) == ("Kom je?", "Antwoord 1 of 2.")


@pytest.mark.parametrize(("make", "what"), [(message_flow, "message"), (form_flow, "form message")])
def test_a_reprompt_that_cannot_render_fails_the_participant(make, what: str):
    result = run(make(channel="sms", reprompt="{{ 1 / variables.zero }}"), variables={"zero": 0})
    assert result.events == [
        Failed(
            node_id="m1",
            reason=f"The reprompt of {what} 'm1' could not be rendered: ZeroDivisionError: division by zero",
        )
    ]


# --- validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widget", "channel", "expected"),
    [
        ({"type": "photo_upload"}, "sms", [("unsupported_widget", "config.channel")]),
        ({"type": "photo_upload"}, "email", [("unsupported_widget", "config.channel")]),
        ({"type": "photo_upload"}, "preferred", [("unsupported_widget", "config.channel")]),
        ({"type": "gps_location"}, "sms", [("unsupported_widget", "config.channel")]),
        ({"type": "photo_upload"}, "web", []),
        ({"type": "gps_location"}, "web", []),
        ({"type": "date_select"}, "sms", []),
        ({"type": "multi_select", "choices": [{"value": "a", "label": "A"}]}, "email", []),
    ],
)
def test_a_form_that_cannot_be_answered_by_text_is_an_issue_on_its_channel(widget, channel, expected):
    assert issues_of(form_flow(widget, channel=channel)) == expected


def test_the_unsupported_widget_message_names_the_widget_and_the_channel():
    [issue] = [i for i in validate(form_flow({"type": "photo_upload"}, channel="sms")) if i.node_id == "m1"]
    assert issue.message == (
        "A photo upload cannot be answered by SMS; send this form on the web channel or pick another widget"
    )
    [issue] = [
        i for i in validate(form_flow({"type": "gps_location"}, channel="preferred")) if i.node_id == "m1"
    ]
    assert issue.message.startswith("A location cannot be answered by SMS or email;")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"reprompt": "{{ person.first_name"}, [("bad_template", "config.reprompt")]),
        ({"reprompt": "{% include 'x' %}"}, [("bad_template", "config.reprompt")]),
        ({"reprompt": "x" * 1001}, [("too_long", "config.reprompt")]),
        ({"reprompt": "x" * 1000}, []),
        ({"reprompt": ""}, []),
        ({"channel": "fax"}, [("invalid_config", "config.channel")]),
        ({"unrecognised": "ignore"}, [("invalid_config", "config.unrecognised")]),
        ({"reprompt": None}, [("invalid_config", "config.reprompt")]),
    ],
)
def test_channel_option_rules(config: dict, expected: list):
    config = {"channel": "sms", **config}
    assert issues_of(message_flow(**config)) == expected
    assert issues_of(form_flow(**config)) == expected


def test_other_is_a_reserved_button_id_only_where_it_is_an_exit():
    buttons = [{"id": "other", "caption": "Something else"}, {"id": "no", "caption": "No"}]
    web = message_flow(buttons=buttons, unrecognised="other")
    node(web, "m1")["exits"] = {"other": "m2", "no": "done"}
    assert issues_of(web) == []
    sms = message_flow(buttons=buttons, unrecognised="other", channel="sms")
    node(sms, "m1")["exits"] = {"other": "m2", "no": "done"}
    assert issues_of(sms) == [("reserved_id", "config.buttons[0].id")]


# --- exits --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "config", "exits"),
    [
        ("message", {"buttons": BUTTONS}, ["yes", "no"]),
        ("message", {"buttons": BUTTONS, "channel": "sms"}, ["yes", "no"]),
        ("message", {"buttons": BUTTONS, "unrecognised": "other"}, ["yes", "no"]),
        ("message", {"buttons": BUTTONS, "channel": "sms", "unrecognised": "reprompt"}, ["yes", "no"]),
        ("message", {"buttons": BUTTONS, "channel": "sms", "unrecognised": "other"}, ["yes", "no", "other"]),
        (
            "message",
            {
                "buttons": BUTTONS,
                "allow_dismiss": True,
                "channel": "preferred",
                "unrecognised": "other",
                "timeout": {"amount": 1, "unit": "days"},
            },
            ["yes", "no", "dismiss", "other", "no_answer"],
        ),
        ("form_message", {"widget": {"type": "text_line"}}, ["positive", "negative"]),
        (
            "form_message",
            {"widget": {"type": "text_line"}, "channel": "email", "unrecognised": "other"},
            ["positive", "negative", "other"],
        ),
    ],
)
def test_the_other_exit_exists_only_for_text_channels_that_move_on(type_name, config, exits):
    assert elements.get(type_name).exits(config) == exits


@pytest.mark.parametrize("make", [message_flow, form_flow])
def test_an_unwired_other_exit_reads_well(make):
    issues = [i for i in validate(make(channel="sms", unrecognised="other")) if i.node_id == "m1"]
    assert [(i.code, i.field, i.message) for i in issues] == [
        (
            "unwired_exit",
            "exits.other",
            'The "other reply" exit (an SMS or email reply that matches no option) is not connected to a '
            "next step",
        )
    ]


# --- replies ------------------------------------------------------------------------------------------------


def other_reply(text: str = "Maybe next week") -> dict:
    return {"node_id": "m1", "other": True, "text": text}


def test_an_other_reply_follows_other_and_records_the_text():
    doc = message_flow(channel="sms", unrecognised="other")
    node(doc, "m1")["exits"]["other"] = "m2"
    defn = load(doc)
    result = resume(defn, run(doc).state, reply=other_reply(), now=T1)
    assert result.state["current"] == "m2"
    assert result.state["history"][1]["exit"] == "other"
    assert result.state["steps"] == [
        {
            "step_id": "m1",
            "step_type": "message_step",
            "message": "Hi! Coming?",
            "answer_id": "other",
            "button": None,
            "form_result": {"type": "unicode_result", "value": "Maybe next week"},
            "display_value": "other: Maybe next week",
            "received_at": T0.isoformat(),
            "acknowledged_at": T1.isoformat(),
        }
    ]


def test_an_other_reply_to_a_form_follows_other_and_saves_nothing():
    doc = form_flow(channel="sms", unrecognised="other", save_to={"kind": "variable", "name": "score"})
    node(doc, "m1")["exits"]["other"] = "m2"
    defn = load(doc)
    result = resume(defn, run(doc).state, reply=other_reply("dunno"), now=T1)
    assert result.state["current"] == "m2"
    assert "score" not in result.state["variables"]
    [step] = result.state["steps"]
    assert (step["step_type"], step["answer_id"], step["button"], step["display_value"]) == (
        "form_step",
        "other",
        None,
        "other: dunno",
    )
    assert step["form_result"] == {"type": "unicode_result", "value": "dunno"}


@pytest.mark.parametrize(
    "config",
    [
        {},  # web
        {"unrecognised": "other"},  # web: replies are buttons, never free text
        {"channel": "sms"},  # unmatched replies are asked again
        {"channel": "sms", "unrecognised": "reprompt"},
    ],
)
@pytest.mark.parametrize("make", [message_flow, form_flow])
def test_an_other_reply_is_refused_without_the_other_exit(make, config):
    doc = make(**config)
    state = run(doc).state
    with pytest.raises(InvalidReply, match="takes no replies outside its options"):
        resume(load(doc), state, reply=other_reply(), now=T1)


@pytest.mark.parametrize("make", [message_flow, form_flow])
def test_an_other_reply_needs_its_text(make):
    doc = make(channel="sms", unrecognised="other")
    node(doc, "m1")["exits"]["other"] = "m2"
    with pytest.raises(InvalidReply, match="needs its text"):
        resume(load(doc), run(doc).state, reply={"node_id": "m1", "other": True}, now=T1)


def test_an_unlocked_message_answered_by_button_can_be_changed_to_an_other_reply():
    doc = message_flow(channel="sms", unrecognised="other", auto_lock=False)
    node(doc, "m1")["exits"]["other"] = "m2"
    defn = load(doc)
    state = resume(defn, run(doc).state, reply={"node_id": "m1", "button_id": "yes"}, now=T1).state
    changed = change_answer(defn, state, step_index=0, reply=other_reply("Actually not sure"), now=T2)
    assert changed.state["current"] == state["current"]
    assert changed.state["steps"][0]["answer_id"] == "other"
    assert changed.state["steps"][0]["display_value"] == "other: Actually not sure"


# --- a text reply through the runtime -----------------------------------------------------------------------


def send_and_read(doc: dict, reply_text: str):
    """Start the flow, write the SMS as the engine would, read the person's reply back."""
    [event] = run(doc).events
    kwargs = {
        "allow_dismiss": event.allow_dismiss,
        "dismiss_caption": event.dismiss_caption,
        "form": event.form,
    }
    sms = text_replies.numbered_text(event.text, event.buttons, **kwargs)
    return sms, text_replies.interpret(reply_text, event.buttons, **kwargs)


def test_an_sms_reply_by_number_answers_the_message():
    doc = message_flow(channel="sms")
    sms, read = send_and_read(doc, "2")
    assert sms == "Hi! Coming?\n\nReply 1 for Yes, 2 for No"
    result = resume(load(doc), run(doc).state, reply={"node_id": "m1", "button_id": read.button_id}, now=T1)
    assert (result.state["current"], result.state["steps"][0]["answer_id"]) == ("done", "no")


def test_an_sms_reply_fills_in_the_form_as_the_web_inbox_would():
    doc = form_flow(channel="sms", save_to={"kind": "variable", "name": "score"})
    sms, read = send_and_read(doc, " 8 ")
    assert sms == 'Your score?\n\nReply with a number from 1 to 10, or "Cancel" to skip'
    reply = {"node_id": "m1", "button_id": read.form["button"], "value": read.form["value"], "files": {}}
    result = resume(load(doc), run(doc).state, reply=reply, now=T1)
    assert result.state["current"] == "m2"
    assert result.state["variables"]["score"] == 8
    assert result.state["steps"][0]["form_result"] == {"type": "float_result", "value": 8.0}
    assert result.state["steps"][0]["display_value"] == "8"
