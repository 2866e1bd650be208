"""Form message: widget option rules, the server-side check of submitted values, and the runtime."""

from datetime import UTC, datetime, timedelta

import pytest

from engine.core.definition import load
from engine.core.runtime import InvalidReply, SendMessage, resume, start
from engine.core.validate import validate
from engine.core.widgets import form_value
from tests.engine.core import RecordingAssets, example_flow, node

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=3)
JUNE_1 = 1780272000  # 2026-06-01 00:00 UTC
JUNE_30 = 1782777600


def form_flow(widget: dict | None = None, **config) -> dict:
    """The docs example with m1 replaced by a form message (positive: m2, negative: done)."""
    doc = example_flow()
    m1 = node(doc, "m1")
    m1["type"] = "form_message"
    m1["config"] = {"text": "Your answer?", "widget": widget or {"type": "text_line"}, **config}
    m1["exits"] = {"positive": "m2", "negative": "done"}
    return doc


def issues_of(doc: dict) -> list[tuple[str, str | None]]:
    return [(i.code, i.field) for i in validate(doc) if i.node_id == "m1"]


# --- option rules -----------------------------------------------------------------------------------------

CHOICES = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]
W = "config.widget"


@pytest.mark.parametrize(
    ("widget", "expected"),
    [
        # text widgets
        ({"type": "text_line"}, []),
        ({"type": "text_block", "max_chars": 1000, "placeholder": "Tell us", "value": "Hi"}, []),
        ({"type": "text_line", "max_chars": 0}, [("invalid_value", f"{W}.max_chars")]),
        ({"type": "text_line", "max_chars": 10001}, [("invalid_value", f"{W}.max_chars")]),
        ({"type": "text_line", "max_chars": 3, "value": "four"}, [("too_long", f"{W}.value")]),
        ({"type": "auto_complete", "suggestions": ["Gent", "Brussel"]}, []),
        ({"type": "auto_complete", "suggestions": ["Gent", " "]}, [("required", f"{W}.suggestions[1]")]),
        ({"type": "auto_complete", "suggestions": ["Gent", "gent"]}, [("duplicate", f"{W}.suggestions[1]")]),
        # selects
        ({"type": "single_select", "choices": CHOICES, "value": "b"}, []),
        ({"type": "single_select", "choices": CHOICES}, []),
        ({"type": "single_select", "choices": []}, [("required", f"{W}.choices")]),
        ({"type": "single_select", "choices": CHOICES, "value": "c"}, [("not_a_choice", f"{W}.value")]),
        (
            {"type": "single_select", "choices": [*CHOICES, {"value": "a", "label": "Again"}]},
            [("duplicate", f"{W}.choices[2].value")],
        ),
        (
            {"type": "single_select", "choices": [{"value": " ", "label": ""}]},
            [("required", f"{W}.choices[0].value"), ("required", f"{W}.choices[0].label")],
        ),
        ({"type": "multi_select", "choices": CHOICES, "values": ["a", "b"]}, []),
        (
            {"type": "multi_select", "choices": CHOICES, "values": ["a", "x"]},
            [("not_a_choice", f"{W}.values[1]")],
        ),
        (
            {"type": "multi_select", "choices": CHOICES, "values": ["a", "a"]},
            [("duplicate", f"{W}.values[1]")],
        ),
        # dates
        (
            {"type": "date_select", "mode": "date", "min_date": JUNE_1, "max_date": JUNE_30, "date": JUNE_1},
            [],
        ),
        (
            {"type": "date_select", "min_date": JUNE_30, "max_date": JUNE_1},
            [("invalid_range", f"{W}.max_date")],
        ),
        (
            {"type": "date_select", "min_date": JUNE_1, "max_date": JUNE_30, "date": JUNE_30 + 86400},
            [("out_of_range", f"{W}.date")],
        ),
        ({"type": "date_select", "minute_interval": 7}, [("invalid_value", f"{W}.minute_interval")]),
        ({"type": "date_select", "minute_interval": 0}, [("invalid_value", f"{W}.minute_interval")]),
        ({"type": "date_select", "minute_interval": 60}, [("invalid_value", f"{W}.minute_interval")]),
        ({"type": "date_select", "mode": "time", "date": 9 * 3600, "minute_interval": 15}, []),
        ({"type": "date_select", "mode": "time", "date": 86400}, [("invalid_value", f"{W}.date")]),
        (
            {"type": "date_select", "mode": "date_time", "date": JUNE_1 + 600, "minute_interval": 15},
            [("invalid_value", f"{W}.date")],
        ),
        ({"type": "date_select", "mode": "week"}, [("invalid_config", f"{W}.mode")]),
        # sliders
        ({"type": "slider", "min": 0, "max": 10, "step": 0.5, "precision": 1, "value": 2.5}, []),
        ({"type": "slider"}, []),  # defaults: 0..10, value at the minimum
        ({"type": "slider", "min": 5, "max": 5}, [("invalid_range", f"{W}.max")]),
        ({"type": "slider", "step": 0}, [("invalid_value", f"{W}.step")]),
        ({"type": "slider", "step": -1}, [("invalid_value", f"{W}.step")]),
        ({"type": "slider", "precision": -1}, [("invalid_value", f"{W}.precision")]),
        ({"type": "slider", "step": 0.5, "precision": 0}, [("invalid_value", f"{W}.step")]),
        ({"type": "slider", "value": 11}, [("out_of_range", f"{W}.value")]),
        ({"type": "slider", "min": 0, "max": 10, "step": 2, "value": 3}, [("off_grid", f"{W}.value")]),
        ({"type": "slider", "step": 0.5, "precision": 1, "value": 2.25}, [("off_grid", f"{W}.value")]),
        ({"type": "slider", "value": "5"}, [("invalid_config", f"{W}.value")]),
        ({"type": "range_slider", "min": 0, "max": 100, "step": 5, "low_value": 10, "high_value": 90}, []),
        ({"type": "range_slider", "low_value": 8, "high_value": 2}, [("invalid_range", f"{W}.high_value")]),
        ({"type": "range_slider", "low_value": -1}, [("out_of_range", f"{W}.low_value")]),
        ({"type": "range_slider", "step": 3, "high_value": 10}, [("off_grid", f"{W}.high_value")]),
        # photo and location
        ({"type": "photo_upload", "quality": "1024x768", "ratio": "4 x 3"}, []),
        ({"type": "photo_upload", "quality": "user", "ratio": "16x9", "gallery": False}, []),
        ({"type": "photo_upload", "quality": "huge"}, [("invalid_value", f"{W}.quality")]),
        ({"type": "photo_upload", "ratio": "wide"}, [("invalid_value", f"{W}.ratio")]),
        ({"type": "photo_upload", "gallery": False, "camera": False}, [("required", f"{W}.camera")]),
        ({"type": "gps_location", "gps": False}, []),
        # shape
        ({"type": "text_line", "min": 3}, [("invalid_config", W)]),
        ({"type": "barcode"}, [("invalid_config", f"{W}.type")]),
    ],
)
def test_widget_rules(widget: dict, expected: list):
    assert issues_of(form_flow(widget)) == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, []),
        ({"text": " "}, [("required", "config.text")]),
        ({"text": "{% macro x() %}{% endmacro %}"}, [("bad_template", "config.text")]),
        ({"positive_caption": " "}, [("required", "config.positive_caption")]),
        ({"negative_caption": ""}, [("required", "config.negative_caption")]),
        ({"negative_caption": "x" * 65}, [("too_long", "config.negative_caption")]),
        ({"positive_caption": "OK", "negative_caption": "ok"}, [("duplicate", "config.negative_caption")]),
        ({"positive_confirmation": "x" * 1001}, [("too_long", "config.positive_confirmation")]),
        ({"save_to": None}, []),
        ({"save_to": {"kind": "variable", "name": "first_name"}}, []),
        ({"save_to": {"kind": "variable", "name": "2fast"}}, [("invalid_name", "config.save_to.name")]),
        ({"save_to": {"kind": "variable", "name": "a-b"}}, [("invalid_name", "config.save_to.name")]),
        ({"save_to": {"kind": "attribute", "key": "score"}}, []),  # existence is checked with the database
        ({"save_to": {"kind": "attribute", "key": " "}}, [("required", "config.save_to.key")]),
        ({"save_to": {"kind": "tag", "name": "x"}}, [("invalid_config", "config.save_to")]),
        (
            {"attachments": [{"name": "A", "url": "ftp://x", "content_type": "a/b", "size": 1}]},
            [("invalid_url", "config.attachments[0].url")],
        ),
        ({"alert": {"type": "LOUD"}}, [("invalid_config", "config.alert.type")]),
    ],
)
def test_form_rules(config: dict, expected: list):
    doc = form_flow(**config)
    if "text" in config:
        node(doc, "m1")["config"]["text"] = config["text"]
    assert issues_of(doc) == expected


def test_form_exits_are_positive_and_negative_and_must_be_wired():
    doc = form_flow(positive_caption="Send", negative_caption="Skip")
    node(doc, "m1")["exits"] = {"positive": "m2", "negative": None, "yes": "m2"}
    assert [(i.code, i.field, i.message) for i in validate(doc) if i.node_id == "m1"] == [
        ("unknown_exit", "exits.yes", '"yes" is not an exit of this Form message'),
        ("unwired_exit", "exits.negative", 'The negative button "Skip" is not connected to a next step'),
    ]


# --- submitted values -------------------------------------------------------------------------------------

SLIDER = {"type": "slider", "min": 0, "max": 10, "step": 0.5, "precision": 1, "unit": "<value> km"}
RANGE = {"type": "range_slider", "min": 0, "max": 500, "step": 12.5, "precision": 1, "unit": "EUR"}
DATE = {"type": "date_select", "mode": "date", "min_date": JUNE_1, "max_date": JUNE_30}
TIME = {
    "type": "date_select",
    "mode": "time",
    "min_date": 8 * 3600,
    "max_date": 18 * 3600,
    "minute_interval": 15,
}
DATE_TIME = {"type": "date_select", "mode": "date_time", "minute_interval": 30}
FILE = {"url": "/media/uploads/u1/a.png", "name": "a.png", "content_type": "image/png", "size": 10}
LOCATION = {"latitude": 51.05, "longitude": 3.72, "accuracy": 12, "altitude": None, "timestamp": JUNE_1}


@pytest.mark.parametrize(
    ("widget", "raw", "result", "display"),
    [
        ({"type": "text_line"}, "Ann", {"type": "unicode_result", "value": "Ann"}, "Ann"),
        ({"type": "text_line"}, "", {"type": "unicode_result", "value": ""}, ""),
        (
            {"type": "text_block", "max_chars": 20},
            "two\nlines",
            {"type": "unicode_result", "value": "two\nlines"},
            "two\nlines",
        ),
        (
            {"type": "auto_complete", "suggestions": ["Gent"]},
            "Leuven",
            {"type": "unicode_result", "value": "Leuven"},
            "Leuven",
        ),
        ({"type": "single_select", "choices": CHOICES}, "b", {"type": "unicode_result", "value": "b"}, "B"),
        (
            {"type": "multi_select", "choices": CHOICES},
            ["b", "a"],
            {"type": "unicode_list_result", "value": ["b", "a"]},
            "B, A",
        ),
        ({"type": "multi_select", "choices": CHOICES}, [], {"type": "unicode_list_result", "value": []}, ""),
        (DATE, JUNE_1 + 86400, {"type": "long_result", "value": JUNE_1 + 86400}, "2026-06-02"),
        (DATE, float(JUNE_30), {"type": "long_result", "value": JUNE_30}, "2026-06-30"),
        (TIME, 9 * 3600 + 45 * 60, {"type": "long_result", "value": 35100}, "09:45"),
        (DATE_TIME, JUNE_1 + 1800, {"type": "long_result", "value": JUNE_1 + 1800}, "2026-06-01 00:30 UTC"),
        (SLIDER, 2.5, {"type": "float_result", "value": 2.5}, "2.5 km"),
        (SLIDER, 10, {"type": "float_result", "value": 10.0}, "10.0 km"),
        (RANGE, [50, 137.5], {"type": "float_list_result", "value": [50.0, 137.5]}, "50.0 - 137.5 EUR"),
        (RANGE, [25, 25], {"type": "float_list_result", "value": [25.0, 25.0]}, "25.0 - 25.0 EUR"),
        ({"type": "photo_upload"}, {"upload": "u1"}, {"type": "file_result", "value": FILE}, FILE["url"]),
        (
            {"type": "gps_location"},
            LOCATION,
            {"type": "location_result", "value": {**LOCATION, "accuracy": 12.0}},
            "51.050000, 3.720000",
        ),
        (
            {"type": "gps_location"},
            {"latitude": -90, "longitude": 180, "accuracy": 0, "altitude": 13.5},
            {
                "type": "location_result",
                "value": {
                    "latitude": -90.0,
                    "longitude": 180.0,
                    "accuracy": 0.0,
                    "altitude": 13.5,
                    "timestamp": int(T0.timestamp()),
                },
            },
            "-90.000000, 180.000000",
        ),
    ],
)
def test_good_values_become_typed_results(widget: dict, raw, result: dict, display: str):
    assert form_value(widget, raw, files={"u1": FILE}, now=T0) == (result, display)


@pytest.mark.parametrize(
    ("widget", "raw", "message"),
    [
        ({"type": "text_line"}, 42, "The answer must be text"),
        ({"type": "text_line"}, None, "The answer must be text"),
        ({"type": "text_line", "max_chars": 3}, "four", "The answer is longer than 3 characters"),
        ({"type": "text_line"}, "two\nlines", "The answer must be one line"),
        ({"type": "auto_complete", "max_chars": 2}, "Gent", "The answer is longer than 2 characters"),
        ({"type": "single_select", "choices": CHOICES}, "c", '"c" is not one of the choices'),
        ({"type": "single_select", "choices": CHOICES}, ["a"], "Pick one of the choices"),
        ({"type": "multi_select", "choices": CHOICES}, "a", "The answer must be a list of choices"),
        ({"type": "multi_select", "choices": CHOICES}, ["a", "z"], '"z" is not one of the choices'),
        ({"type": "multi_select", "choices": CHOICES}, ["a", "a"], "A choice is picked more than once"),
        (DATE, "2026-06-02", "The date must be a whole number of seconds since 1970-01-01 UTC"),
        (DATE, True, "The date must be a whole number of seconds since 1970-01-01 UTC"),
        (DATE, JUNE_1 - 1, "Pick 2026-06-01 or later"),
        (DATE, JUNE_30 + 1, "Pick 2026-06-30 or earlier"),
        (TIME, 7 * 3600, "Pick 08:00 or later"),
        (TIME, 9 * 3600 + 10 * 60, "The time is not valid: it is not on the 15-minute interval"),
        (TIME, JUNE_1, "The time is not valid: a time is given in seconds since midnight (0 to 86399)"),
        (DATE_TIME, JUNE_1 + 60, "The date is not valid: it is not on the 30-minute interval"),
        (SLIDER, "5", "The value must be a number"),
        (SLIDER, float("nan"), "The value must be a number"),
        (SLIDER, True, "The value must be a number"),
        (SLIDER, 10.5, "The value must be between 0 and 10"),
        (SLIDER, 2.25, "The value may have at most 1 decimals"),
        ({**SLIDER, "precision": 2}, 2.25, "The value must be on the steps of 0.5 from 0"),
        (RANGE, [50], "The answer must be a low and a high value"),
        (RANGE, 50, "The answer must be a low and a high value"),
        (RANGE, [100, 50], "The low value must not be above the high value"),
        (RANGE, [50, 600], "The high value must be between 0 and 500"),
        (RANGE, [51, 100], "The low value must be on the steps of 12.5 from 0"),
        ({"type": "photo_upload"}, None, "Upload a photo first"),
        ({"type": "photo_upload"}, {"upload": ""}, "Upload a photo first"),
        (
            {"type": "photo_upload"},
            {"upload": "someone-elses"},
            "That photo is not one of your uploads; upload it again",
        ),
        ({"type": "gps_location"}, [51, 3], "The answer must be a location"),
        (
            {"type": "gps_location"},
            {**LOCATION, "latitude": 90.5},
            "The latitude must be a number from -90 to 90",
        ),
        (
            {"type": "gps_location"},
            {**LOCATION, "longitude": -181},
            "The longitude must be a number from -180 to 180",
        ),
        (
            {"type": "gps_location"},
            {**LOCATION, "longitude": "3"},
            "The longitude must be a number from -180 to 180",
        ),
        (
            {"type": "gps_location"},
            {**LOCATION, "accuracy": -1},
            "The accuracy must be a number of metres, 0 or more",
        ),
        (
            {"type": "gps_location"},
            {**LOCATION, "altitude": "high"},
            "The altitude must be a number of metres, or null",
        ),
        (
            {"type": "gps_location"},
            {**LOCATION, "timestamp": "now"},
            "The location time must be a whole number of seconds since 1970-01-01 UTC",
        ),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(widget: dict, raw, message: str):
    with pytest.raises(InvalidReply) as exc:
        form_value(widget, raw, files={"u1": FILE}, now=T0)
    assert str(exc.value) == message


def test_a_file_that_is_not_an_image_is_refused():
    with pytest.raises(InvalidReply, match="JPEG, PNG, WebP or GIF"):
        form_value(
            {"type": "photo_upload"}, {"upload": "u1"}, files={"u1": {**FILE, "content_type": "text/html"}}
        )


# --- runtime ----------------------------------------------------------------------------------------------


def run_to_form(doc: dict, person: dict | None = None):
    defn = load(doc)
    started = start(defn, entry_id="entry", person=person or {"first_name": "Ann"}, now=T0)
    return defn, started


def test_the_form_is_sent_with_every_option_and_waits():
    doc = form_flow(
        {"type": "slider", "max": 5},
        text="Rate us, {{ person.first_name }}",
        positive_caption="Send",
        positive_confirmation="Sure?",
        branding="shop",
        alert={"type": "BEEP"},
        auto_lock=True,
        attachments=[{"name": "A", "url": "https://example.com/a", "content_type": "a/b", "size": 1}],
    )
    _, started = run_to_form(doc)
    assert started.state["status"] == "waiting"
    assert started.events == [
        SendMessage(
            node_id="m1",
            text="Rate us, Ann",
            buttons=[],
            branding="shop",
            alert={"type": "BEEP", "interval": "NONE", "vibrate": False},
            auto_lock=True,
            attachments=[{"name": "A", "url": "https://example.com/a", "content_type": "a/b", "size": 1}],
            form={
                "widget": {
                    "type": "slider",
                    "min": 0,
                    "max": 5,
                    "step": 1,
                    "precision": 0,
                    "unit": "",
                    "value": 0,
                },
                "positive_caption": "Send",
                "positive_confirmation": "Sure?",
                "negative_caption": "Cancel",
                "negative_confirmation": "",
            },
        )
    ]


def test_a_positive_answer_records_a_form_step_and_saves_into_a_variable():
    doc = form_flow({"type": "slider", "max": 5}, save_to={"kind": "variable", "name": "score"})
    node(doc, "m2")["config"]["text"] = "You gave {{ variables.score }}"
    defn, started = run_to_form(doc)
    done = resume(
        defn, started.state, reply={"node_id": "m1", "button_id": "positive", "value": 4}, now=T1, person={}
    )
    assert done.state["variables"] == {"score": 4.0}
    assert done.state["steps"] == [
        {
            "step_id": "m1",
            "step_type": "form_step",
            "message": "Your answer?",
            "answer_id": "positive",
            "button": "Submit",
            "form_result": {"type": "float_result", "value": 4.0},
            "display_value": "4",
            "received_at": T0.isoformat(),
            "acknowledged_at": T1.isoformat(),
        }
    ]
    assert done.events[0].text == "You gave 4.0"


def test_a_negative_answer_carries_no_value_and_saves_nothing():
    doc = form_flow(
        {"type": "text_line"}, save_to={"kind": "variable", "name": "name"}, negative_caption="Skip"
    )
    defn, started = run_to_form(doc)
    done = resume(
        defn, started.state, reply={"node_id": "m1", "button_id": "negative", "value": "ignored"}, now=T1
    )
    assert done.state["variables"] == {}
    assert done.state["status"] == "completed"
    step = done.state["steps"][0]
    assert (step["answer_id"], step["button"], step["form_result"], step["display_value"]) == (
        "negative",
        "Skip",
        None,
        "Skip",
    )


def test_saving_into_an_attribute_goes_through_the_assets_and_later_texts_see_the_new_value():
    doc = form_flow({"type": "text_line"}, save_to={"kind": "attribute", "key": "first_name"})
    node(doc, "m2")["config"]["text"] = "Thanks {{ person.first_name }}"
    defn, started = run_to_form(doc)
    assets = RecordingAssets()
    done = resume(
        defn,
        started.state,
        reply={"node_id": "m1", "button_id": "positive", "value": "Annie"},
        now=T1,
        person={"first_name": "Ann"},
        assets=assets,
    )
    assert assets.changes == [
        ("save_answer", "first_name", {"type": "unicode_result", "value": "Annie"}, "Annie")
    ]
    (sent,) = done.events
    assert sent.text == "Thanks Annie"


def test_an_answer_the_attribute_refuses_is_refused():
    doc = form_flow({"type": "text_line"}, save_to={"kind": "attribute", "key": "email"})
    defn, started = run_to_form(doc)
    with pytest.raises(InvalidReply, match="not an email address"):
        resume(
            defn,
            started.state,
            reply={"node_id": "m1", "button_id": "positive", "value": "nope"},
            now=T1,
            assets=RecordingAssets(refuse="Your answer cannot be saved as Email: not an email address"),
        )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ({"button_id": "yes"}, "Answer a form with its positive or negative button"),
        ({"button_id": None}, "Answer a form with its positive or negative button"),
        ({"button_id": "positive", "value": 11}, "The value must be between 0 and 10"),
        ({"button_id": "positive"}, "The value must be a number"),
    ],
)
def test_refused_answers_leave_the_state_unchanged(reply: dict, message: str):
    defn, started = run_to_form(form_flow({"type": "slider"}))
    before = repr(started.state)
    with pytest.raises(InvalidReply, match=message):
        resume(defn, started.state, reply={"node_id": "m1", **reply}, now=T1)
    assert repr(started.state) == before


def test_translations_replace_text_captions_placeholder_and_labels():
    doc = form_flow(
        {"type": "single_select", "choices": CHOICES, "value": "a"},
        positive_caption="Send",
        negative_caption="Stop",
    )
    doc["translations"] = {
        "fr": {"m1": {"text": "Votre choix ?", "positive_caption": "Envoyer", "choices": {"a": "Un"}}}
    }
    defn, started = run_to_form(doc, {"language": "fr"})
    sent = started.events[0]
    assert sent.text == "Votre choix ?"
    assert sent.form["positive_caption"] == "Envoyer"
    assert sent.form["negative_caption"] == "Stop"
    assert sent.form["widget"]["choices"] == [{"value": "a", "label": "Un"}, {"value": "b", "label": "B"}]
    done = resume(
        defn,
        started.state,
        reply={"node_id": "m1", "button_id": "positive", "value": "a"},
        now=T1,
        person={"language": "fr"},
    )
    step = done.state["steps"][0]
    assert (step["message"], step["button"], step["display_value"]) == ("Votre choix ?", "Envoyer", "Un")
