"""Messages as plain text for SMS and email, and a person's free-text reply read back as an answer.

The web inbox shows buttons and form widgets; a text channel cannot. `numbered_text` writes the message
with its options numbered ("Reply 1 for Yes, 2 for No") or, for a form, a line saying what to reply
("Reply with a number from 1 to 10"). `interpret` turns what the person wrote back into exactly what
engine.services.participant_answer takes (a button, the dismiss, or a form's button with the raw value the
web inbox would have posted), or says in words why it could not (`Unrecognised`), which `reprompt_text`
sends back with the options again.

Matching rules, in order:
- A number picks the option (or choice) with that number; a caption (or choice label) picks that one.
  Case, unicode forms (NFKC, casefold), surrounding spaces and punctuation are ignored ("1", " 1. ",
  "#1", "yes!" all work). The number wins over a caption that is itself a number, since the numbers
  are what the message promised.
- A form's negative caption declines the form, before the reply is read as a value (otherwise a text
  widget could never be declined).
- A form value is parsed from the text per widget, then checked with the widget's own rules
  (engine.core.widgets.form_value), so the person hears at once that 15 is not between 1 and 10. The
  engine checks the value again when the answer is submitted.
- A photo upload or a location cannot be given as text (element validation refuses such forms on text
  channels); a reply to one is only understood as the negative caption.

Pure Python: no Django.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.core import widgets
from engine.core.errors import InvalidReply

# Widgets whose value cannot be written in a text reply, with what to call them in a sentence.
NOT_BY_TEXT = {"photo_upload": "photo upload", "gps_location": "location"}
DEFAULT_REPROMPT = "Sorry, I did not understand: {reason}"
# Suggestions of an auto-complete shown as examples; SMS stays short.
MAX_EXAMPLES = 3


@dataclass(frozen=True)
class Reply:
    """A text reply understood as an answer: the arguments of engine.services.participant_answer.

    Exactly one of: `button_id` (a button), `dismiss` True (the dismiss), `form`
    ({"button": "positive" | "negative", "value": raw}, raw shaped as the web inbox posts it; None for
    the negative button).
    """

    button_id: str | None = None
    dismiss: bool = False
    form: dict | None = None


@dataclass(frozen=True)
class Unrecognised:
    """A reply that matches no option; `reason` tells the person what to reply, e.g. "Reply with 1 or 2."."""

    reason: str


class _Unparsed(Exception):
    """A form value that cannot be read from the text; the message is the reason for the person."""


# --- writing ----------------------------------------------------------------------------------------------


def numbered_text(
    text: str, buttons: list[dict], *, allow_dismiss: bool, dismiss_caption: str, form: dict | None
) -> str:
    """The message as sent by SMS or email: the text, a blank line, then what to reply.

    `buttons` are SendMessage.buttons ([{"id", "caption", "action"}]), `form` is SendMessage.form (None for
    a plain message). Plain message: "Reply 1 for Yes, 2 for No", the dismiss last, web, phone, mail and map
    actions written after their caption. Form: a line for the widget, with the negative caption as the
    word that declines it.
    """
    options = options_text(buttons, allow_dismiss=allow_dismiss, dismiss_caption=dismiss_caption, form=form)
    return "\n\n".join(part for part in (text.strip(), options) if part)


def options_text(buttons: list[dict], *, allow_dismiss: bool, dismiss_caption: str, form: dict | None) -> str:
    """Only the "what to reply" line of `numbered_text` (one paragraph); "" for a message without options."""
    if form is not None:
        return _form_prompt(form)
    entries = [
        f"{number} for {_one_line(caption)}{_action_hint(action)}"
        for number, (_, caption, action) in enumerate(_options(buttons, allow_dismiss, dismiss_caption), 1)
    ]
    return f"Reply {', '.join(entries)}" if entries else ""


def reprompt_text(reprompt: str, reason: str, numbered: str) -> str:
    """What goes back to a person whose reply was not recognised: the configured reprompt text (already
    rendered; "" for the default "Sorry, I did not understand: <reason>"), a blank line, then `numbered`
    (the message with its options, from numbered_text, or only options_text for a shorter SMS)."""
    lead = reprompt.strip() or DEFAULT_REPROMPT.format(reason=reason)
    return f"{lead}\n\n{numbered.strip()}" if numbered.strip() else lead


def _options(buttons: list[dict], allow_dismiss: bool, dismiss_caption: str) -> list[tuple[Reply, str, str]]:
    """(answer, caption, action) of every option in the order they are numbered: buttons, then the dismiss."""
    out = [(Reply(button_id=b["id"]), b["caption"], b.get("action", "")) for b in buttons]
    if allow_dismiss:
        out.append((Reply(dismiss=True), dismiss_caption, ""))
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _action_hint(action: str) -> str:
    """What a button's action does, readable in a text: a link cannot be tapped in an SMS option."""
    if action.startswith(("http://", "https://")):
        return f" ({action})"
    if action.startswith("tel://"):
        return f" (call {action[len('tel://') :]})"
    if action.startswith("mailto:"):
        return f" (email {action[len('mailto:') :].split('?', 1)[0]})"
    if action.startswith("geo://"):
        return f" (location {action[len('geo://') :]})"
    # confirm:// asks before the answer counts; a text reply is its own confirmation.
    return ""


def _form_prompt(form: dict) -> str:
    w = widgets.options(form.get("widget", {"type": "text_line"}))
    kind = w["type"]
    negative = _one_line(form.get("negative_caption") or "Cancel")
    listed = False
    if kind in ("single_select", "multi_select"):
        listed = True
        choices = ", ".join(f"{n} {_one_line(c['label'])}" for n, c in enumerate(w["choices"], 1))
        if kind == "single_select":
            prompt = f"Reply with the number of your choice: {choices}"
        else:
            prompt = f"Reply with the numbers of your choices separated by commas: {choices}"
    elif kind == "auto_complete" and w["suggestions"]:
        prompt = f"Reply with your answer, e.g. {', '.join(w['suggestions'][:MAX_EXAMPLES])}"
        listed = True
    elif kind in widgets.TEXT_TYPES:
        prompt = "Reply with your answer"
    elif kind == "slider":
        prompt = f"Reply with a number from {_range_words(w)}{_unit_hint(w['unit'])}"
    elif kind == "range_slider":
        low, high = _range_example(w)
        example = f"{_num(low, w['precision'])}-{_num(high, w['precision'])}"
        if low < 0 or high < 0:  # "-5--1" is hard to read
            example = f"{_num(low, w['precision'])} to {_num(high, w['precision'])}"
        prompt = f"Reply with two numbers from {_range_words(w)}, e.g. {example}{_unit_hint(w['unit'])}"
    elif kind == "date_select":
        prompt = _date_prompt(w)
    else:
        what = NOT_BY_TEXT.get(kind, "answer")
        return f'This question needs a {what}, which cannot be sent by text. Reply "{negative}" to skip'
    # Semicolon after a list of choices, so the negative word is not read as one of them.
    return f'{prompt}{";" if listed else ","} or "{negative}" to skip'


def _num(value: float, precision: int) -> str:
    """A number as people write it: the widget's decimals at most, without trailing zeros."""
    digits = min(max(int(precision), 0), widgets.MAX_PRECISION)
    text = f"{value:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _range_example(w: dict) -> tuple[float, float]:
    """Two values for "e.g. 3-7": the configured defaults, else a quarter in from each end on the grid."""
    if w["low_value"] != w["min"] or w["high_value"] != w["max"]:
        return w["low_value"], w["high_value"]
    step = w["step"] if w["step"] > 0 else 1
    inset = math.floor((w["max"] - w["min"]) / 4 / step + 0.5) * step
    return w["min"] + inset, w["max"] - inset


def _range_words(w: dict) -> str:
    words = f"{_num(w['min'], w['precision'])} to {_num(w['max'], w['precision'])}"
    if w["step"] != 1:
        words += f" in steps of {_num(w['step'], widgets.MAX_PRECISION)}"
    return words


def _unit_hint(unit: str) -> str:
    # A unit that places the value ("€ <value/>") reads badly without a value; the person answers a number.
    return f" ({unit.strip()})" if unit.strip() and not widgets.has_placeholder(unit) else ""


_DATE_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M", "date_time": "%Y-%m-%d %H:%M"}
_DATE_PROMPTS = {
    "date": "Reply with a date as YYYY-MM-DD",
    "time": "Reply with a time as HH:MM",
    "date_time": "Reply with a date and time as YYYY-MM-DD HH:MM",
}


def _date_prompt(w: dict) -> str:
    mode = w["mode"] if w["mode"] in _DATE_FORMATS else "date"
    lo, hi = (
        None if w[key] is None else datetime.fromtimestamp(w[key], UTC).strftime(_DATE_FORMATS[mode])
        for key in ("min_date", "max_date")
    )
    if lo and hi:
        return f"{_DATE_PROMPTS[mode]}, from {lo} to {hi}"
    if lo or hi:
        return f"{_DATE_PROMPTS[mode]}, {lo} or later" if lo else f"{_DATE_PROMPTS[mode]}, {hi} or earlier"
    return _DATE_PROMPTS[mode]


# --- reading ----------------------------------------------------------------------------------------------


def interpret(
    text: str, buttons: list[dict], *, allow_dismiss: bool, dismiss_caption: str, form: dict | None
) -> Reply | Unrecognised:
    """Read a person's free-text reply to a message sent with `numbered_text` (same arguments).

    A plain message: an option's number or caption. A form: the negative caption, or the widget's value
    parsed from the text and checked with the widget's rules. Unrecognised says what to reply instead.
    """
    if form is not None:
        return _interpret_form(text, form)
    options = _options(buttons, allow_dismiss, dismiss_caption)
    key = _normalise(text)
    if key:
        if key.isdecimal() and 1 <= int(key) <= len(options):
            return options[int(key) - 1][0]
        for answer, caption, _ in options:
            if _normalise(caption) == key:
                return answer
    return Unrecognised(_pick_reason(len(options)))


def _normalise(text: str) -> str:
    """The text as matched: NFKC, casefolded, one space between words, no punctuation around it."""
    text = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return text[start:end]


def _is_edge(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def _pick_reason(count: int) -> str:
    if count == 0:
        return "This message takes no reply."
    if count == 1:
        return "Reply with 1."
    if count == 2:
        return "Reply with 1 or 2."
    return f"Reply with a number from 1 to {count}."


def _interpret_form(text: str, form: dict) -> Reply | Unrecognised:
    w = widgets.options(form.get("widget", {"type": "text_line"}))
    negative = _normalise(form.get("negative_caption") or "Cancel")
    if negative and _normalise(text) == negative:
        return Reply(form={"button": "negative", "value": None})
    try:
        raw = _parse_value(unicodedata.normalize("NFKC", text), w)
        # The widget's own rules, so the reprompt can say what is wrong (the engine checks again).
        widgets.form_value(w, raw)
    except (_Unparsed, InvalidReply) as exc:
        return Unrecognised(_sentence(str(exc)))
    return Reply(form={"button": "positive", "value": raw})


def _sentence(reason: str) -> str:
    return reason if reason.endswith((".", "!", "?")) else f"{reason}."


def _parse_value(text: str, w: dict) -> object:
    """The raw value the web inbox would post for this widget, read from the reply's text."""
    kind = w["type"]
    if kind in widgets.TEXT_TYPES:
        # A text line is one line: an SMS typed over two lines is still one answer.
        value = text.strip() if kind == "text_block" else _one_line(text)
        if not value:
            raise _Unparsed("Reply with your answer")
        return value
    if kind == "single_select":
        return _pick_choice(_normalise(text), w["choices"], "Reply with the number of your choice")
    if kind == "multi_select":
        return _pick_choices(text, w["choices"])
    if kind == "slider":
        return _slider_number(_without_unit(text, w["unit"]), w)
    if kind == "range_slider":
        return _range(_without_unit(text, w["unit"]), w)
    if kind == "date_select":
        return _date(text.strip(), w)
    raise _Unparsed(f"A {NOT_BY_TEXT.get(kind, 'value of this kind')} cannot be sent by text")


def _pick_choice(key: str, choices: list[dict], ask: str) -> str:
    """A choice's value by its number, label or value (normalised `key`)."""
    if key.isdecimal() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1]["value"]
    for field in ("label", "value"):
        for choice in choices:
            if key and _normalise(choice[field]) == key:
                return choice["value"]
    raise _Unparsed(f"{ask}, from 1 to {len(choices)}" if len(choices) > 1 else f"{ask}: 1")


# Tried in turn on a part of a multi-select reply that is not a choice itself, so "Salt and pepper" stays
# one choice while "1, 3", "1 and 3" and "1 3" are two.
_PICK_SEPARATORS = (re.compile(r"[,;/&+]"), re.compile(r"\band\b"), re.compile(r"\s+"))


def _pick_choices(text: str, choices: list[dict]) -> list[str]:
    """Choice values in the order of the choices, each once, from "1,3", "1 3", "1 and 3" or labels."""
    if not _normalise(text):
        raise _Unparsed("Reply with the numbers of your choices separated by commas")
    picked = _picks(text, choices, 0)
    return [c["value"] for c in choices if c["value"] in picked]


def _picks(part: str, choices: list[dict], level: int) -> set[str]:
    key = _normalise(part)
    if not key:
        return set()
    try:
        return {_pick_choice(key, choices, "")}
    except _Unparsed:
        pass
    if level == len(_PICK_SEPARATORS):
        raise _Unparsed(f'"{key}" is not one of the choices; reply with their numbers, e.g. 1,3')
    return set().union(*(_picks(p, choices, level + 1) for p in _PICK_SEPARATORS[level].split(key)))


_NUMBER = r"[-+]?\d+(?:[.,]\d+)?"
_ONE_NUMBER = re.compile(_NUMBER)
# Two numbers: "3-7", "3 - 7", "3 to 7", "3,7", "-5 to 5". Backtracking splits "3,7" into two numbers.
_TWO_NUMBERS = re.compile(rf"({_NUMBER})\s*(?:-|–|—|\bto\b|\band\b|,|;|\s)\s*({_NUMBER})", re.IGNORECASE)


def _without_unit(text: str, unit: str) -> str:
    """The reply without the widget's unit around the number ("7 km" -> "7"), trailing dots dropped."""
    out = text.casefold()
    for part in widgets.unit_parts(unit.casefold()):
        if part.strip():
            out = out.replace(part.strip(), " ")
    return out.strip().rstrip(".").strip()


def _to_number(text: str) -> int | float:
    # A decimal comma ("7,5") is as common as a decimal point in replies. Not rounded: "7.55" on a slider
    # with one decimal is refused by the widget's rule, not silently taken as 7.6.
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise _Unparsed("Reply with a number")
    # An integral number posts as an integer, as the web inbox's JSON does.
    return int(value) if value.is_integer() else value


def _slider_number(text: str, w: dict) -> int | float:
    if not _ONE_NUMBER.fullmatch(text):
        raise _Unparsed(f"Reply with a number from {_range_words(w)}")
    value = _to_number(text)
    if w["precision"] == 0 and isinstance(value, float):
        # Clearer than the widget's "at most 0 decimals".
        raise _Unparsed(f"Reply with a whole number from {_range_words(w)}")
    return value


def _range(text: str, w: dict) -> list[int | float]:
    match = _TWO_NUMBERS.fullmatch(text)
    if not match:
        raise _Unparsed(f"Reply with two numbers from {_range_words(w)}, e.g. 3-7")
    low, high = _to_number(match[1]), _to_number(match[2])
    # "7-3" means the same range; the web inbox keeps low <= high the same way.
    return [min(low, high), max(low, high)]


_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_TIME = re.compile(r"(\d{1,2})[:.hH](\d{2})")
_DATE_TIME = re.compile(rf"{_DAY.pattern}(?:\s+|T|,\s*|\s+at\s+){_TIME.pattern}", re.IGNORECASE)
_INTERVALS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)


def _date(text: str, w: dict) -> int:
    """Epoch seconds as the web inbox posts them: UTC wall-clock time, seconds since midnight for "time",
    snapped to the minute interval like the inbox's time input."""
    mode = w["mode"]
    pattern = {"date": _DAY, "time": _TIME}.get(mode, _DATE_TIME)
    match = pattern.fullmatch(text)
    if not match:
        raise _Unparsed(_date_prompt(w))
    numbers = [int(g) for g in match.groups()]
    if mode == "time":
        numbers = [1970, 1, 1, *numbers]
    elif mode == "date":
        numbers = [*numbers, 0, 0]
    try:
        moment = datetime(*numbers, tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        what = "time" if mode == "time" else "date"
        raise _Unparsed(f"That is not a valid {what}. {_date_prompt(w)}") from None
    epoch = int(moment.timestamp())
    step = (w["minute_interval"] if w["minute_interval"] in _INTERVALS else 1) * 60
    if mode != "date" and step > 60:
        epoch = math.floor(epoch / step + 0.5) * step
    return epoch
