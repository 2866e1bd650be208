"""Form widgets (Rogerthat's Form widgets): their options, the rules on those options, and the check of a
submitted value, which turns the raw JSON an inbox sends into a typed form result.

Option names mirror MessageFlow.1.xsd in snake_case. `form_value` is what the server trusts: the inbox's own
checks are a convenience, every rule is enforced here again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from engine.core.errors import InvalidReply

TEXT_TYPES = ("text_line", "text_block", "auto_complete")
WIDGET_TYPES = (
    "text_line",
    "text_block",
    "auto_complete",
    "single_select",
    "multi_select",
    "date_select",
    "slider",
    "range_slider",
    "photo_upload",
    "gps_location",
)
DATE_MODES = ("date", "time", "date_time")
DAY = 86400
MAX_TEXT_CHARS = 10000
MAX_PRECISION = 10
QUALITY = re.compile(r"best|user|[1-9][0-9]{0,4}x[1-9][0-9]{0,4}")
RATIO = re.compile(r"[1-9][0-9]{0,4} ?x ?[1-9][0-9]{0,4}")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")

# Options of each widget type with their defaults; a missing option takes its default (see options()).
DEFAULTS: dict[str, dict] = {
    "text_line": {"max_chars": 50, "placeholder": "", "value": ""},
    "text_block": {"max_chars": 500, "placeholder": "", "value": ""},
    "auto_complete": {"max_chars": 50, "placeholder": "", "value": "", "suggestions": []},
    "single_select": {"choices": [], "value": None},
    "multi_select": {"choices": [], "values": []},
    "date_select": {
        "mode": "date",
        "min_date": None,
        "max_date": None,
        "date": None,
        "minute_interval": 1,
        "unit": "",
    },
    "slider": {"min": 0, "max": 10, "step": 1, "precision": 0, "unit": "", "value": None},
    "range_slider": {
        "min": 0,
        "max": 10,
        "step": 1,
        "precision": 0,
        "unit": "",
        "low_value": None,
        "high_value": None,
    },
    "photo_upload": {"quality": "best", "gallery": True, "camera": True, "ratio": ""},
    "gps_location": {"gps": True},
}

RESULT_TYPES = {
    "text_line": "unicode_result",
    "text_block": "unicode_result",
    "auto_complete": "unicode_result",
    "single_select": "unicode_result",
    "multi_select": "unicode_list_result",
    "date_select": "long_result",
    "slider": "float_result",
    "range_slider": "float_list_result",
    "photo_upload": "file_result",
    "gps_location": "location_result",
}

_NUMBER = {"type": "number"}
_STR = {"type": "string"}
_CHOICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "label"],
        "properties": {"value": _STR, "label": _STR},
        "additionalProperties": False,
    },
}
_SLIDER = {
    "min": _NUMBER,
    "max": _NUMBER,
    "step": _NUMBER,
    "precision": {"type": "integer"},
    "unit": _STR,
}
_TEXT = {"max_chars": {"type": "integer"}, "placeholder": _STR, "value": _STR}
_DATE = {"type": ["integer", "null"]}
PROPERTIES: dict[str, dict] = {
    "text_line": _TEXT,
    "text_block": _TEXT,
    "auto_complete": {**_TEXT, "suggestions": {"type": "array", "items": _STR}},
    "single_select": {"choices": _CHOICES, "value": {"type": ["string", "null"]}},
    "multi_select": {"choices": _CHOICES, "values": {"type": "array", "items": _STR}},
    "date_select": {
        "mode": {"enum": list(DATE_MODES)},
        "min_date": _DATE,
        "max_date": _DATE,
        "date": _DATE,
        "minute_interval": {"type": "integer"},
        "unit": _STR,
    },
    "slider": {**_SLIDER, "value": {"type": ["number", "null"]}},
    "range_slider": {
        **_SLIDER,
        "low_value": {"type": ["number", "null"]},
        "high_value": {"type": ["number", "null"]},
    },
    "photo_upload": {
        "quality": _STR,
        "gallery": {"type": "boolean"},
        "camera": {"type": "boolean"},
        "ratio": _STR,
    },
    "gps_location": {"gps": {"type": "boolean"}},
}


def schema() -> dict:
    """JSON Schema of a widget: its `type` and, per type, the options it may have (with their defaults, which
    the canvas shows when the widget type is switched)."""
    branches = []
    for kind in WIDGET_TYPES:
        props = {"type": {"const": kind}}
        for name, prop in PROPERTIES[kind].items():
            props[name] = {**prop, "default": DEFAULTS[kind][name]}
        branches.append(
            {
                "if": {"properties": {"type": {"const": kind}}},
                "then": {"properties": props, "additionalProperties": False},
            }
        )
    return {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(WIDGET_TYPES)}},
        "allOf": branches,
    }


def options(widget: dict) -> dict:
    """The widget with every option of its type, defaults filled in. Slider values default to the bounds."""
    kind = widget.get("type", "text_line")
    out = {"type": kind, **DEFAULTS.get(kind, {}), **widget}
    if kind == "slider" and out["value"] is None:
        out["value"] = out["min"]
    if kind == "range_slider":
        if out["low_value"] is None:
            out["low_value"] = out["min"]
        if out["high_value"] is None:
            out["high_value"] = out["max"]
    return out


# --- numbers ----------------------------------------------------------------------------------------------


def _decimals_ok(x: float, precision: int) -> bool:
    return abs(x - round(x, precision)) <= 1e-9 * max(1.0, abs(x))


def _on_grid(x: float, start: float, step: float) -> bool:
    k = (x - start) / step
    return abs(k - round(k)) <= 1e-6


def _fmt(x: float, precision: int) -> str:
    return f"{x:.{precision}f}"


# Rogerthat's placeholders in a slider's unit: "<value/> km", "€ <value/>",
# "<low_value/> - <high_value/> EUR".
# The open form ("<value>") of flows made before the import of real Rogerthat files is read the same way.
_PLACEHOLDER = re.compile(r"<(value|low_value|high_value)\s*/?>")


def slider_display(value: float, precision: int, unit: str) -> str:
    """A slider value for people (display values, callbacks, results emails), by the one rule the inbox's
    forms.ts follows too: the number with the precision's decimals put in place of every <value/> of the
    unit; a unit without that placeholder follows the number ("7.5 km"); no unit, the number alone."""
    number = _fmt(value, _digits(precision))
    if any(m.group(1) == "value" for m in _PLACEHOLDER.finditer(unit)):
        return _PLACEHOLDER.sub(lambda m: number if m.group(1) == "value" else m.group(0), unit)
    return f"{number} {unit}".strip()


def range_display(low: float, high: float, precision: int, unit: str) -> str:
    """A range slider's values for people, by the same rule: <low_value/> and <high_value/> of the unit take
    the low and high numbers; else the unit is applied as for a slider to "low - high" ("10 - 90 EUR")."""
    digits = _digits(precision)
    names = {m.group(1) for m in _PLACEHOLDER.finditer(unit)}
    if names & {"low_value", "high_value"}:
        numbers = {"low_value": _fmt(low, digits), "high_value": _fmt(high, digits)}
        return _PLACEHOLDER.sub(lambda m: numbers.get(m.group(1), m.group(0)), unit)
    text = f"{_fmt(low, digits)} - {_fmt(high, digits)}"
    if "value" in names:
        return _PLACEHOLDER.sub(lambda m: text if m.group(1) == "value" else m.group(0), unit)
    return f"{text} {unit}".strip()


def unit_parts(unit: str) -> list[str]:
    """The literal texts of a unit around its placeholders ("€ <value/> per kg" -> ["€ ", " per kg"])."""
    return _PLACEHOLDER.split(unit)[::2]


def has_placeholder(unit: str) -> bool:
    """Whether a unit places the value itself (then it reads badly without one, e.g. as a hint)."""
    return bool(_PLACEHOLDER.search(unit))


def _digits(precision: int) -> int:
    return min(MAX_PRECISION, max(0, int(precision)))


# --- option rules ------------------------------------------------------------------------------------------


def issues(widget: dict) -> list[tuple[str, str, str]]:
    """(code, message, field) of every option problem; field is relative to the widget (e.g. "max")."""
    w = options(widget)
    kind = w["type"]
    out: list[tuple[str, str, str]] = []

    def add(code: str, message: str, field: str) -> None:
        out.append((code, message, field))

    if kind in TEXT_TYPES:
        if not 1 <= w["max_chars"] <= MAX_TEXT_CHARS:
            add("invalid_value", f"The maximum length must be 1 to {MAX_TEXT_CHARS} characters", "max_chars")
        elif len(w["value"]) > w["max_chars"]:
            add("too_long", f"The default text is longer than the maximum of {w['max_chars']}", "value")
        seen: set[str] = set()
        for i, suggestion in enumerate(w.get("suggestions", [])):
            if not suggestion.strip():
                add("required", f"Suggestion {i + 1} is empty", f"suggestions[{i}]")
            elif suggestion.casefold() in seen:
                add("duplicate", f'The suggestion "{suggestion}" is listed twice', f"suggestions[{i}]")
            seen.add(suggestion.casefold())
    elif kind in ("single_select", "multi_select"):
        choices = w["choices"]
        if not choices:
            add("required", "Add at least one choice", "choices")
        values: set[str] = set()
        for i, choice in enumerate(choices):
            if not choice["value"].strip():
                add("required", f"Choice {i + 1} needs a value", f"choices[{i}].value")
            elif choice["value"] in values:
                add(
                    "duplicate",
                    f'The value "{choice["value"]}" is used by two choices',
                    f"choices[{i}].value",
                )
            values.add(choice["value"])
            if not choice["label"].strip():
                add("required", f"Choice {i + 1} needs a label", f"choices[{i}].label")
        if kind == "single_select":
            if w["value"] is not None and w["value"] not in values:
                add("not_a_choice", f'The default "{w["value"]}" is not one of the choices', "value")
        else:
            picked: set[str] = set()
            for i, value in enumerate(w["values"]):
                if value not in values:
                    add("not_a_choice", f'The default "{value}" is not one of the choices', f"values[{i}]")
                elif value in picked:
                    add("duplicate", f'The default "{value}" is selected twice', f"values[{i}]")
                picked.add(value)
    elif kind == "date_select":
        interval = w["minute_interval"]
        if not (1 <= interval <= 30 and 60 % interval == 0):
            add(
                "invalid_value",
                "The minute interval must divide an hour: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30",
                "minute_interval",
            )
            interval = 1
        lo, hi, default = w["min_date"], w["max_date"], w["date"]
        for name in ("min_date", "max_date", "date"):
            value = w[name]
            if value is None:
                continue
            problem = _date_problem(value, w["mode"], interval)
            if problem:
                add("invalid_value", f"{_DATE_LABELS[name]}: {problem}", name)
        if lo is not None and hi is not None and lo >= hi:
            add("invalid_range", "The latest date must come after the earliest", "max_date")
        elif default is not None and ((lo is not None and default < lo) or (hi is not None and default > hi)):
            add("out_of_range", "The default date is outside the earliest and latest dates", "date")
    elif kind in ("slider", "range_slider"):
        precision, step, lo, hi = w["precision"], w["step"], w["min"], w["max"]
        if not 0 <= precision <= MAX_PRECISION:
            add("invalid_value", f"The precision must be 0 to {MAX_PRECISION} decimals", "precision")
            precision = MAX_PRECISION
        if step <= 0:
            add("invalid_value", "The step must be greater than 0", "step")
        for name in ("min", "max", "step"):
            if not _decimals_ok(w[name], precision):
                add(
                    "invalid_value",
                    f"{name.capitalize()} has more decimals than the precision ({precision}) allows",
                    name,
                )
        if lo >= hi:
            add("invalid_range", "The maximum must be greater than the minimum", "max")
            return out
        names = ["value"] if kind == "slider" else ["low_value", "high_value"]
        for name in names:
            value = w[name]
            if not lo <= value <= hi:
                add("out_of_range", f"The default {_fmt(value, precision)} is outside {lo} to {hi}", name)
            elif not _decimals_ok(value, precision):
                add(
                    "off_grid",
                    f"The default {value} has more decimals than the precision ({precision})",
                    name,
                )
            elif step > 0 and not _on_grid(value, lo, step):
                add("off_grid", f"The default {value} is not on the steps of {step} from {lo}", name)
        if kind == "range_slider" and w["low_value"] > w["high_value"]:
            add("invalid_range", "The default high value must not be below the low value", "high_value")
    elif kind == "photo_upload":
        if not QUALITY.fullmatch(w["quality"]):
            add("invalid_value", 'The quality is "best", "user" or a size such as "1024x768"', "quality")
        if w["ratio"] and not RATIO.fullmatch(w["ratio"]):
            add("invalid_value", 'The ratio is empty (free) or such as "4 x 3"', "ratio")
        if not w["gallery"] and not w["camera"]:
            add("required", "Allow the camera, the gallery, or both", "camera")
    return out


_DATE_LABELS = {"min_date": "The earliest date", "max_date": "The latest date", "date": "The default date"}


def _date_problem(value: int, mode: str, interval: int) -> str | None:
    """Why an epoch-seconds value does not fit the mode ("time" values are seconds since midnight)."""
    if mode == "time" and not 0 <= value < DAY:
        return "a time is given in seconds since midnight (0 to 86399)"
    if mode != "date" and value % (interval * 60):
        return f"it is not on the {interval}-minute interval"
    return None


# --- submitted values ---------------------------------------------------------------------------------------


def _is_number(raw: object) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw)


def _number(raw: object, w: dict, what: str) -> float:
    """A slider value: a finite number within the bounds, with the precision's decimals, on the step grid."""
    if not _is_number(raw):
        raise InvalidReply(f"{what} must be a number")
    value = float(raw)  # type: ignore[arg-type]
    if not w["min"] <= value <= w["max"]:
        raise InvalidReply(f"{what} must be between {w['min']} and {w['max']}")
    if not _decimals_ok(value, w["precision"]):
        raise InvalidReply(f"{what} may have at most {w['precision']} decimals")
    if not _on_grid(value, w["min"], w["step"]):
        raise InvalidReply(f"{what} must be on the steps of {w['step']} from {w['min']}")
    return round(value, w["precision"])


def _text(raw: object, w: dict) -> str:
    if not isinstance(raw, str):
        raise InvalidReply("The answer must be text")
    if len(raw) > w["max_chars"]:
        raise InvalidReply(f"The answer is longer than {w['max_chars']} characters")
    if w["type"] != "text_block" and ("\n" in raw or "\r" in raw):
        raise InvalidReply("The answer must be one line")
    return raw


def _choice_labels(w: dict) -> dict[str, str]:
    return {c["value"]: c["label"] for c in w["choices"]}


def _date_display(value: int, mode: str) -> str:
    moment = datetime.fromtimestamp(value, UTC)
    if mode == "date":
        return moment.strftime("%Y-%m-%d")
    if mode == "time":
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def form_value(
    widget: dict, raw: object, *, files: Mapping[str, dict] | None = None, now: datetime | None = None
) -> tuple[dict, str]:
    """Check a submitted value against the widget's rules: ({"type", "value"}, display value).

    Raises InvalidReply with a sentence for the person. `files` maps the upload ids the caller found among
    the answering person's own uploads to {"url", "name", "content_type", "size"} (photo_upload); `now` is the
    location timestamp when the browser sent none.
    """
    w = options(widget)
    kind = w["type"]
    result_type = RESULT_TYPES.get(kind)
    if result_type is None:
        raise InvalidReply(f'Unknown widget "{kind}"')
    if kind in TEXT_TYPES:
        text = _text(raw, w)
        return {"type": result_type, "value": text}, text
    if kind == "single_select":
        labels = _choice_labels(w)
        if not isinstance(raw, str):
            raise InvalidReply("Pick one of the choices")
        if raw not in labels:
            raise InvalidReply(f'"{raw}" is not one of the choices')
        return {"type": result_type, "value": raw}, labels[raw]
    if kind == "multi_select":
        labels = _choice_labels(w)
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise InvalidReply("The answer must be a list of choices")
        for value in raw:
            if value not in labels:
                raise InvalidReply(f'"{value}" is not one of the choices')
        if len(set(raw)) != len(raw):
            raise InvalidReply("A choice is picked more than once")
        return {"type": result_type, "value": list(raw)}, ", ".join(labels[v] for v in raw)
    if kind == "date_select":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise InvalidReply("The date must be a whole number of seconds since 1970-01-01 UTC")
        interval = (
            w["minute_interval"] if w["minute_interval"] in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) else 1
        )
        problem = _date_problem(raw, w["mode"], interval)
        if problem:
            raise InvalidReply(f"The {'time' if w['mode'] == 'time' else 'date'} is not valid: {problem}")
        if w["min_date"] is not None and raw < w["min_date"]:
            raise InvalidReply(f"Pick {_date_display(w['min_date'], w['mode'])} or later")
        if w["max_date"] is not None and raw > w["max_date"]:
            raise InvalidReply(f"Pick {_date_display(w['max_date'], w['mode'])} or earlier")
        return {"type": result_type, "value": raw}, _date_display(raw, w["mode"])
    if kind == "slider":
        value = _number(raw, w, "The value")
        return {"type": result_type, "value": value}, slider_display(value, w["precision"], w["unit"])
    if kind == "range_slider":
        if not isinstance(raw, list) or len(raw) != 2:
            raise InvalidReply("The answer must be a low and a high value")
        low, high = _number(raw[0], w, "The low value"), _number(raw[1], w, "The high value")
        if low > high:
            raise InvalidReply("The low value must not be above the high value")
        return {"type": result_type, "value": [low, high]}, range_display(
            low, high, w["precision"], w["unit"]
        )
    if kind == "photo_upload":
        if not isinstance(raw, dict) or not isinstance(raw.get("upload"), str) or not raw["upload"]:
            raise InvalidReply("Upload a photo first")
        file = (files or {}).get(raw["upload"])
        if file is None:
            raise InvalidReply("That photo is not one of your uploads; upload it again")
        if file.get("content_type") not in IMAGE_TYPES:
            raise InvalidReply("The file must be a JPEG, PNG, WebP or GIF image")
        value = {k: file[k] for k in ("url", "name", "content_type", "size")}
        return {"type": result_type, "value": value}, value["url"]
    # gps_location
    return _location(raw, now)


def _location(raw: object, now: datetime | None) -> tuple[dict, str]:
    if not isinstance(raw, dict):
        raise InvalidReply("The answer must be a location")
    lat, lng, accuracy = raw.get("latitude"), raw.get("longitude"), raw.get("accuracy")
    if not _is_number(lat) or not -90 <= lat <= 90:  # type: ignore[operator]
        raise InvalidReply("The latitude must be a number from -90 to 90")
    if not _is_number(lng) or not -180 <= lng <= 180:  # type: ignore[operator]
        raise InvalidReply("The longitude must be a number from -180 to 180")
    if not _is_number(accuracy) or accuracy < 0:  # type: ignore[operator]
        raise InvalidReply("The accuracy must be a number of metres, 0 or more")
    altitude = raw.get("altitude")
    if altitude is not None and not _is_number(altitude):
        raise InvalidReply("The altitude must be a number of metres, or null")
    timestamp = raw.get("timestamp")
    if timestamp is None:
        timestamp = int(now.timestamp()) if now else 0
    elif isinstance(timestamp, float) and timestamp.is_integer():
        timestamp = int(timestamp)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        raise InvalidReply("The location time must be a whole number of seconds since 1970-01-01 UTC")
    value = {
        "latitude": float(lat),  # type: ignore[arg-type]
        "longitude": float(lng),  # type: ignore[arg-type]
        "accuracy": float(accuracy),  # type: ignore[arg-type]
        "altitude": None if altitude is None else float(altitude),  # type: ignore[arg-type]
        "timestamp": timestamp,
    }
    return {"type": "location_result", "value": value}, f"{value['latitude']:.6f}, {value['longitude']:.6f}"
