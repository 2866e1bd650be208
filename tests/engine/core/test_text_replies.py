"""SMS/email text of a message and a person's free-text reply read back (engine.core.text_replies)."""

import pytest

from engine.core.text_replies import (
    Reply,
    Unrecognised,
    interpret,
    numbered_text,
    options_text,
    reprompt_text,
)

YES_NO = [{"id": "yes", "caption": "Yes", "action": ""}, {"id": "no", "caption": "No", "action": ""}]
CHOICES = [
    {"value": "r", "label": "Red"},
    {"value": "b", "label": "Blue"},
    {"value": "sp", "label": "Salt and pepper"},
]
JUNE_1 = 1780272000  # 2026-06-01 00:00 UTC
JUNE_30 = 1782777600


def plain(buttons=YES_NO, *, allow_dismiss=False, dismiss_caption="Roger that") -> dict:
    """The keyword arguments of a plain message."""
    return {"allow_dismiss": allow_dismiss, "dismiss_caption": dismiss_caption, "form": None}


def form(widget: dict, negative: str = "No thanks") -> dict:
    """The keyword arguments of a form message (SendMessage.form shape)."""
    return {
        "allow_dismiss": False,
        "dismiss_caption": "Roger that",
        "form": {
            "widget": widget,
            "positive_caption": "Submit",
            "positive_confirmation": "",
            "negative_caption": negative,
            "negative_confirmation": "",
        },
    }


def value(raw) -> Reply:
    return Reply(form={"button": "positive", "value": raw})


# --- numbered text: plain messages --------------------------------------------------------------------------


def test_a_message_gets_its_buttons_numbered_after_the_text():
    assert numbered_text("Hi! Coming?", YES_NO, **plain()) == "Hi! Coming?\n\nReply 1 for Yes, 2 for No"


def test_the_dismiss_is_the_last_option():
    text = numbered_text("Party?", YES_NO, allow_dismiss=True, dismiss_caption="Later", form=None)
    assert text == "Party?\n\nReply 1 for Yes, 2 for No, 3 for Later"


def test_a_message_with_only_the_dismiss_offers_it_as_1():
    text = numbered_text("Closed today.", [], allow_dismiss=True, dismiss_caption="Roger that", form=None)
    assert text == "Closed today.\n\nReply 1 for Roger that"


@pytest.mark.parametrize(
    ("action", "written"),
    [
        ("https://example.com/menu", "2 for Menu (https://example.com/menu)"),
        ("tel://+32 9 123 45 67", "2 for Menu (call +32 9 123 45 67)"),
        ("mailto:info@example.com?subject=Hi", "2 for Menu (email info@example.com)"),
        ("geo://51.05,3.72", "2 for Menu (location 51.05,3.72)"),
        ("confirm://Are you sure?", "2 for Menu"),
        ("", "2 for Menu"),
    ],
)
def test_actions_that_cannot_be_tapped_are_written_after_the_caption(action: str, written: str):
    buttons = [YES_NO[0], {"id": "menu", "caption": "Menu", "action": action}]
    assert numbered_text("Hi", buttons, **plain()) == f"Hi\n\nReply 1 for Yes, {written}"


def test_captions_and_text_are_kept_on_their_lines():
    buttons = [{"id": "a", "caption": " Yes,\nplease ", "action": ""}]
    assert numbered_text("  Hello\n", buttons, **plain()) == "Hello\n\nReply 1 for Yes, please"


def test_options_text_is_only_the_reply_line():
    assert options_text(YES_NO, **plain()) == "Reply 1 for Yes, 2 for No"
    assert options_text([], **plain()) == ""


# --- numbered text: forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("widget", "line"),
    [
        ({"type": "text_line"}, 'Reply with your answer, or "No thanks" to skip'),
        ({"type": "text_block"}, 'Reply with your answer, or "No thanks" to skip'),
        (
            {"type": "auto_complete", "suggestions": ["Gent", "Brussel", "Antwerpen", "Leuven"]},
            'Reply with your answer, e.g. Gent, Brussel, Antwerpen; or "No thanks" to skip',
        ),
        ({"type": "auto_complete"}, 'Reply with your answer, or "No thanks" to skip'),
        ({"type": "slider", "min": 1, "max": 10}, 'Reply with a number from 1 to 10, or "No thanks" to skip'),
        (
            {"type": "slider", "min": 0, "max": 2, "step": 0.5, "precision": 1, "unit": "km"},
            'Reply with a number from 0 to 2 in steps of 0.5 (km), or "No thanks" to skip',
        ),
        (
            {"type": "slider", "min": 0, "max": 100, "unit": "€ <value>"},
            'Reply with a number from 0 to 100, or "No thanks" to skip',
        ),
        # Rogerthat's own placeholders are self-closing
        (
            {"type": "slider", "min": 0, "max": 100, "unit": "€ <value/> per kg"},
            'Reply with a number from 0 to 100, or "No thanks" to skip',
        ),
        (
            {"type": "range_slider", "min": 0, "max": 10},
            'Reply with two numbers from 0 to 10, e.g. 3-7, or "No thanks" to skip',
        ),
        (
            {"type": "range_slider", "min": 0, "max": 100, "low_value": 20, "high_value": 40},
            'Reply with two numbers from 0 to 100, e.g. 20-40, or "No thanks" to skip',
        ),
        (
            {"type": "range_slider", "min": -10, "max": 10, "low_value": -5, "high_value": 5},
            'Reply with two numbers from -10 to 10, e.g. -5 to 5, or "No thanks" to skip',
        ),
        ({"type": "date_select"}, 'Reply with a date as YYYY-MM-DD, or "No thanks" to skip'),
        (
            {"type": "date_select", "min_date": JUNE_1, "max_date": JUNE_30},
            'Reply with a date as YYYY-MM-DD, from 2026-06-01 to 2026-06-30, or "No thanks" to skip',
        ),
        (
            {"type": "date_select", "mode": "time"},
            'Reply with a time as HH:MM, or "No thanks" to skip',
        ),
        (
            {"type": "date_select", "mode": "date_time", "min_date": JUNE_1},
            "Reply with a date and time as YYYY-MM-DD HH:MM, 2026-06-01 00:00 or later, "
            'or "No thanks" to skip',
        ),
        (
            {"type": "single_select", "choices": CHOICES[:2]},
            'Reply with the number of your choice: 1 Red, 2 Blue; or "No thanks" to skip',
        ),
        (
            {"type": "multi_select", "choices": CHOICES[:2]},
            "Reply with the numbers of your choices separated by commas: 1 Red, 2 Blue; "
            'or "No thanks" to skip',
        ),
        (
            {"type": "photo_upload"},
            'This question needs a photo upload, which cannot be sent by text. Reply "No thanks" to skip',
        ),
    ],
)
def test_a_form_asks_for_its_value_as_text(widget: dict, line: str):
    assert numbered_text("Your answer?", [], **form(widget)) == f"Your answer?\n\n{line}"


# --- interpret: plain messages ------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", ["1", " 1 ", "1.", "#1", "(1)", "１", "١", "Yes", "yes", " YES! ", "«yes»"])
def test_the_first_option_by_number_or_caption(reply: str):
    assert interpret(reply, YES_NO, **plain()) == Reply(button_id="yes")


def test_captions_match_ignoring_case_the_unicode_way_and_extra_spaces():
    buttons = [
        {"id": "street", "caption": "Straße", "action": ""},
        {"id": "tomorrow", "caption": "See you  soon"},
    ]
    assert interpret("STRASSE", buttons, **plain()) == Reply(button_id="street")
    assert interpret("see you soon...", buttons, **plain()) == Reply(button_id="tomorrow")


def test_the_dismiss_by_number_or_caption():
    kwargs = plain(allow_dismiss=True, dismiss_caption="Later")
    assert interpret("3", YES_NO, **kwargs) == Reply(dismiss=True)
    assert interpret("later", YES_NO, **kwargs) == Reply(dismiss=True)


def test_a_number_is_the_option_number_even_when_a_caption_is_a_number():
    buttons = [{"id": "two", "caption": "2", "action": ""}, {"id": "one", "caption": "1", "action": ""}]
    assert interpret("1", buttons, **plain()) == Reply(button_id="two")
    assert interpret("2", buttons, **plain()) == Reply(button_id="one")


@pytest.mark.parametrize(
    ("buttons", "allow_dismiss", "reply", "reason"),
    [
        (YES_NO, False, "maybe", "Reply with 1 or 2."),
        (YES_NO, False, "3", "Reply with 1 or 2."),
        (YES_NO, False, "0", "Reply with 1 or 2."),
        (YES_NO, False, "", "Reply with 1 or 2."),
        (YES_NO, False, "?!", "Reply with 1 or 2."),
        (YES_NO, False, "1 yes", "Reply with 1 or 2."),
        (YES_NO, True, "4", "Reply with a number from 1 to 3."),
        ([], True, "2", "Reply with 1."),
    ],
)
def test_an_unknown_reply_says_what_to_reply(buttons, allow_dismiss, reply, reason):
    kwargs = plain(allow_dismiss=allow_dismiss)
    assert interpret(reply, buttons, **kwargs) == Unrecognised(reason)


# --- interpret: forms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reply", ["No thanks", "no THANKS.", " no  thanks "])
def test_the_negative_caption_declines_the_form(reply: str):
    assert interpret(reply, [], **form({"type": "text_line"})) == Reply(
        form={"button": "negative", "value": None}
    )


@pytest.mark.parametrize(
    ("widget", "reply", "expected"),
    [
        # text
        ({"type": "text_line"}, "  Ghent  ", value("Ghent")),
        ({"type": "text_line"}, "Sint-Pieters\nstation", value("Sint-Pieters station")),
        ({"type": "text_block"}, "Line one\nLine two\n", value("Line one\nLine two")),
        ({"type": "auto_complete", "suggestions": ["Gent"]}, "Brugge", value("Brugge")),
        ({"type": "text_line"}, "   ", Unrecognised("Reply with your answer.")),
        (
            {"type": "text_line", "max_chars": 5},
            "Too long",
            Unrecognised("The answer is longer than 5 characters."),
        ),
        # single select
        ({"type": "single_select", "choices": CHOICES}, "2", value("b")),
        ({"type": "single_select", "choices": CHOICES}, "blue!", value("b")),
        ({"type": "single_select", "choices": CHOICES}, "SALT AND PEPPER", value("sp")),
        ({"type": "single_select", "choices": CHOICES}, "sp", value("sp")),
        (
            {"type": "single_select", "choices": CHOICES},
            "4",
            Unrecognised("Reply with the number of your choice, from 1 to 3."),
        ),
        (
            {"type": "single_select", "choices": CHOICES},
            "green",
            Unrecognised("Reply with the number of your choice, from 1 to 3."),
        ),
        # multi select: in the order of the choices, each once
        ({"type": "multi_select", "choices": CHOICES}, "3,1", value(["r", "sp"])),
        ({"type": "multi_select", "choices": CHOICES}, "1 3", value(["r", "sp"])),
        ({"type": "multi_select", "choices": CHOICES}, "1 and 2", value(["r", "b"])),
        ({"type": "multi_select", "choices": CHOICES}, "red; BLUE; red", value(["r", "b"])),
        ({"type": "multi_select", "choices": CHOICES}, "salt and pepper, 2", value(["b", "sp"])),
        ({"type": "multi_select", "choices": CHOICES}, "2", value(["b"])),
        (
            {"type": "multi_select", "choices": CHOICES},
            "1, 5",
            Unrecognised('"5" is not one of the choices; reply with their numbers, e.g. 1,3.'),
        ),
        (
            {"type": "multi_select", "choices": CHOICES},
            "",
            Unrecognised("Reply with the numbers of your choices separated by commas."),
        ),
        # slider: within range and on the steps
        ({"type": "slider", "min": 1, "max": 10}, "7", value(7)),
        ({"type": "slider", "min": 1, "max": 10}, "７.", value(7)),
        ({"type": "slider", "min": -5, "max": 5}, "-3", value(-3)),
        ({"type": "slider", "min": 0, "max": 2, "step": 0.5, "precision": 1}, "1,5", value(1.5)),
        ({"type": "slider", "min": 0, "max": 100, "unit": "km"}, "42 km", value(42)),
        ({"type": "slider", "min": 0, "max": 100, "unit": "€ <value>"}, "€ 42", value(42)),
        ({"type": "slider", "min": 0, "max": 100, "unit": "€ <value/> per kg"}, "€ 42 per kg", value(42)),
        ({"type": "slider", "min": 1, "max": 10}, "15", Unrecognised("The value must be between 1 and 10.")),
        (
            {"type": "slider", "min": 1, "max": 10},
            "7.5",
            Unrecognised("Reply with a whole number from 1 to 10."),
        ),
        (
            {"type": "slider", "min": 0, "max": 2, "step": 0.5, "precision": 2},
            "0.3",
            Unrecognised("The value must be on the steps of 0.5 from 0."),
        ),
        ({"type": "slider", "min": 1, "max": 10}, "seven", Unrecognised("Reply with a number from 1 to 10.")),
        ({"type": "slider", "min": 1, "max": 10}, "9" * 400, Unrecognised("Reply with a number.")),
        # range slider
        ({"type": "range_slider"}, "3-7", value([3, 7])),
        ({"type": "range_slider"}, "3 - 7", value([3, 7])),
        ({"type": "range_slider"}, "3 to 7", value([3, 7])),
        ({"type": "range_slider"}, "3,7", value([3, 7])),
        ({"type": "range_slider"}, "7 TO 3", value([3, 7])),
        ({"type": "range_slider", "min": -10, "max": 10}, "-5 to -1", value([-5, -1])),
        ({"type": "range_slider", "min": -10, "max": 10}, "-5--1", value([-5, -1])),
        ({"type": "range_slider", "precision": 1, "step": 0.5}, "2,5-7", value([2.5, 7])),
        ({"type": "range_slider"}, "3", Unrecognised("Reply with two numbers from 0 to 10, e.g. 3-7.")),
        ({"type": "range_slider"}, "3-12", Unrecognised("The high value must be between 0 and 10.")),
        # dates: UTC wall-clock epoch seconds, as the web inbox posts them
        ({"type": "date_select"}, "2026-06-01", value(JUNE_1)),
        ({"type": "date_select"}, "2026/6/1", value(JUNE_1)),
        (
            {"type": "date_select"},
            "2026-02-30",
            Unrecognised("That is not a valid date. Reply with a date as YYYY-MM-DD."),
        ),
        ({"type": "date_select"}, "01/06/2026", Unrecognised("Reply with a date as YYYY-MM-DD.")),
        (
            {"type": "date_select", "min_date": JUNE_1, "max_date": JUNE_30},
            "2026-07-01",
            Unrecognised("Pick 2026-06-30 or earlier."),
        ),
        ({"type": "date_select", "mode": "time"}, "14:30", value(14 * 3600 + 30 * 60)),
        ({"type": "date_select", "mode": "time"}, "9h05", value(9 * 3600 + 5 * 60)),
        ({"type": "date_select", "mode": "time", "minute_interval": 15}, "14:07", value(14 * 3600)),
        ({"type": "date_select", "mode": "time", "minute_interval": 15}, "14:08", value(14 * 3600 + 15 * 60)),
        (
            {"type": "date_select", "mode": "time"},
            "25:00",
            Unrecognised("That is not a valid time. Reply with a time as HH:MM."),
        ),
        ({"type": "date_select", "mode": "date_time"}, "2026-06-01 14:30", value(JUNE_1 + 14 * 3600 + 1800)),
        ({"type": "date_select", "mode": "date_time"}, "2026-06-01T14:30", value(JUNE_1 + 14 * 3600 + 1800)),
        (
            {"type": "date_select", "mode": "date_time"},
            "2026-06-01",
            Unrecognised("Reply with a date and time as YYYY-MM-DD HH:MM."),
        ),
        # cannot be given as text
        ({"type": "photo_upload"}, "here it is", Unrecognised("A photo upload cannot be sent by text.")),
        ({"type": "gps_location"}, "51.05,3.72", Unrecognised("A location cannot be sent by text.")),
    ],
)
def test_a_form_value_is_read_from_the_reply(widget: dict, reply: str, expected):
    assert interpret(reply, [], **form(widget)) == expected


def test_the_negative_caption_wins_over_a_text_value():
    kwargs = form({"type": "text_line"}, negative="Skip")
    assert interpret("skip", [], **kwargs) == Reply(form={"button": "negative", "value": None})
    assert interpret("skipping", [], **kwargs) == value("skipping")


# --- reprompt -----------------------------------------------------------------------------------------------


def test_the_default_reprompt_gives_the_reason_then_the_message_again():
    numbered = numbered_text("Coming?", YES_NO, **plain())
    assert reprompt_text("", "Reply with 1 or 2.", numbered) == (
        "Sorry, I did not understand: Reply with 1 or 2.\n\nComing?\n\nReply 1 for Yes, 2 for No"
    )


def test_a_configured_reprompt_replaces_the_default_sentence():
    numbered = options_text(YES_NO, **plain())
    assert reprompt_text("Please answer with a number.", "Reply with 1 or 2.", numbered) == (
        "Please answer with a number.\n\nReply 1 for Yes, 2 for No"
    )
    assert reprompt_text("  ", "Reply with 1.", "") == "Sorry, I did not understand: Reply with 1."
