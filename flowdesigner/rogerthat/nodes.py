"""One Rogerthat flow element as one node of our flow document (with the element's original ids).

Attributes that real exports leave out, or fill with a value our format has no counterpart for, take the
default Rogerthat itself uses; each default is reported as a warning (`Problems.warnings`).
"""

import math
import re
from dataclasses import dataclass, field

from flowdesigner.rogerthat.ids import shown
from flowdesigner.rogerthat.schema import NAMESPACE, XSI

UNSUPPORTED = {
    "flowCode": "flowCode (JavaScript) elements are not supported: Flowdesigner does not run flow code",
}
UNSUPPORTED_WIDGETS = {
    "MyDigiPassWidget": "MyDigiPass widgets are not supported (the MyDigiPass service no longer exists)",
    "AdvancedOrderWidget": "advanced order widgets are not supported: Flowdesigner has no order catalogue",
}
# xsi:type of <widget> -> our widget type (and back, in xml_export).
WIDGET_TYPES = {
    "TextLineWidget": "text_line",
    "TextBlockWidget": "text_block",
    "TextAutocompleteWidget": "auto_complete",
    "SelectSingleWidget": "single_select",
    "SelectMultiWidget": "multi_select",
    "SelectDateWidget": "date_select",
    "SliderWidget": "slider",
    "RangeSliderWidget": "range_slider",
    "PhotoUploadWidget": "photo_upload",
    "GPSLocationWidget": "gps_location",
}
# The kinds of elements that become nodes, and the prefix of a node's internal id (see ids.internal_ids).
KINDS = {
    "end": "end",
    "message": "message",
    "formMessage": "form",
    "resultsFlush": "flush",
    "resultsEmail": "email",
}
# A photo quality Rogerthat writes as a number of bytes (the most the app sends); our photo upload keeps the
# photo as taken, so such a quality becomes "best".
BYTES_QUALITY = re.compile(r"[0-9]+")


@dataclass
class Problems:
    """What an import found: errors refuse it, warnings (defaults taken) are shown with the new flow."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def tag(element) -> str:
    return element.tag.split("}", 1)[-1]


def children(element, name: str) -> list:
    return element.findall(f"{{{NAMESPACE}}}{name}")


def child(element, name: str):
    return element.find(f"{{{NAMESPACE}}}{name}")


def boolean(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip() in {"true", "1"}


def where(element) -> str:
    """How a message names an element: `<formMessage id="...">` (long ids shortened)."""
    element_id = element.get("id")
    return f'<{tag(element)} id="{shown(element_id)}">' if element_id is not None else f"<{tag(element)}>"


def node(el, problems: Problems, prefix: str = "") -> dict:
    """The node of a known element kind (see KINDS), with the element's original ids."""
    kind = tag(el)
    if kind == "message":
        return _message_node(el)
    if kind == "formMessage":
        return _form_message_node(el, problems, prefix)
    if kind == "end":
        return {
            "id": el.get("id"),
            "type": "exit",
            "config": {"name": el.get("id"), "wait_for_follow_up": boolean(el.get("waitForFollowUpMessage"))},
            "exits": {},
        }
    if kind == "resultsFlush":
        return {
            "id": el.get("id"),
            "type": "send_results",
            "config": {},
            "exits": {"next": el.get("reference")},
        }
    if kind == "resultsEmail":
        return {
            "id": el.get("id"),
            "type": "email_results",
            "config": {
                "emails": [e.get("value") for e in children(el, "email")],
                "email_admins": boolean(el.get("emailAdmins")),
            },
            "exits": {"next": el.get("reference")},
        }
    raise AssertionError(kind)  # unreachable: callers filter on KINDS


def _alert(el) -> dict:
    return {
        "type": el.get("alertType"),
        "interval": el.get("alertIntervalType"),
        "vibrate": boolean(el.get("vibrate")),
    }


def _content(el) -> str:
    content = child(el, "content")
    return (content.text or "") if content is not None else ""


def _message_node(el) -> dict:
    buttons, exits = [], {}
    for answer in children(el, "answer"):
        buttons.append(
            {"id": answer.get("id"), "caption": answer.get("caption"), "action": answer.get("action") or ""}
        )
        exits[answer.get("id")] = answer.get("reference")
    allow_dismiss = boolean(el.get("allowDismiss"))
    if allow_dismiss:
        exits["dismiss"] = el.get("dismissReference")
    config = {
        "text": _content(el),
        "buttons": buttons,
        "allow_dismiss": allow_dismiss,
        "dismiss_caption": "Roger that",
        "branding": el.get("brandingKey") or None,
        "alert": _alert(el),
        "auto_lock": boolean(el.get("autoLock"), True),
        "attachments": _attachments(el),
    }
    return {"id": el.get("id"), "type": "message", "config": config, "exits": exits}


def _form_message_node(el, problems: Problems, prefix: str) -> dict:
    """A <formMessage>; the member attribute is ignored (the flow's person answers), and save_to, which the
    XSD has no counterpart for, is null."""
    at = prefix + where(el)
    form = child(el, "form")
    script = child(form, "javascriptValidation")
    if script is not None and (script.text or "").strip():
        problems.errors.append(
            f"{at}: javascriptValidation is not supported: Flowdesigner does not run flow code"
        )
    widget = _widget(child(form, "widget"), problems, at)
    config = {
        "text": _content(el),
        "widget": widget or {"type": "text_line"},
        "positive_caption": form.get("positiveButtonCaption"),
        "positive_confirmation": form.get("positiveButtonConfirmation") or "",
        "negative_caption": form.get("negativeButtonCaption"),
        "negative_confirmation": form.get("negativeButtonConfirmation") or "",
        "save_to": None,
        "branding": el.get("brandingKey") or None,
        "alert": _alert(el),
        "auto_lock": boolean(el.get("autoLock"), True),
        "attachments": _attachments(el),
    }
    exits = {"positive": el.get("positiveReference"), "negative": el.get("negativeReference")}
    return {"id": el.get("id"), "type": "form_message", "config": config, "exits": exits}


def _attachments(el) -> list[dict]:
    return [
        {
            "name": a.get("name"),
            "url": a.get("url"),
            "content_type": a.get("contentType"),
            "size": int(a.get("size")),
        }
        for a in children(el, "attachment")
    ]


def _number(el, name: str, problems: Problems, at: str) -> int | float:
    """An xs:float attribute as a JSON number (whole numbers as int); INF and NaN are refused."""
    value = float(el.get(name))
    if not math.isfinite(value):
        problems.errors.append(f'{at}: {name} must be a finite number, not "{el.get(name)}"')
        return 0
    return int(value) if value.is_integer() else value


def _long(el, name: str) -> int | None:
    value = el.get(name)
    return None if value is None else int(value)


def _widget(el, problems: Problems, at: str) -> dict | None:
    """The <widget> of a form as our widget config, by its xsi:type; None (with an error) if unsupported."""
    xsi_type = (el.get(f"{{{XSI}}}type") or "").split(":")[-1]
    if xsi_type in UNSUPPORTED_WIDGETS:
        problems.errors.append(f"{at}: {UNSUPPORTED_WIDGETS[xsi_type]}")
        return None
    kind = WIDGET_TYPES.get(xsi_type)
    if kind is None:
        problems.errors.append(
            f'{at}: the widget needs an xsi:type such as "TextLineWidget", not "{xsi_type}"'
        )
        return None
    widget: dict = {"type": kind}
    if kind in ("text_line", "text_block", "auto_complete"):
        widget |= {
            "max_chars": int(el.get("maxChars")),
            "placeholder": el.get("placeholder") or "",
            "value": el.get("value") or "",
        }
        if kind == "auto_complete":
            widget["suggestions"] = [s.get("value") for s in children(el, "suggestion")]
    elif kind in ("single_select", "multi_select"):
        widget["choices"] = [
            {"value": c.get("value"), "label": c.get("label")} for c in children(el, "choice")
        ]
        if kind == "single_select":
            widget["value"] = el.get("value") or None
        else:
            widget["values"] = [v.get("value") for v in children(el, "value")]
    elif kind == "date_select":
        widget |= {
            "mode": el.get("mode"),
            "min_date": _long(el, "minDate"),
            "max_date": _long(el, "maxDate"),
            "date": _long(el, "date"),
            "minute_interval": _long(el, "minuteInterval") or 1,
            "unit": el.get("unit") or "",
        }
    elif kind in ("slider", "range_slider"):
        for name in ("min", "max", "step"):
            widget[name] = _number(el, name, problems, at)
        # The unit may hold Rogerthat's placeholders <value/>, <low_value/>, <high_value/>: kept as written,
        # filled in by engine.core.widgets.slider_display and the inbox.
        widget |= {"precision": int(el.get("precision")), "unit": el.get("unit")}
        if kind == "slider":
            widget["value"] = _number(el, "value", problems, at)
        else:
            widget["low_value"] = _number(el, "lowValue", problems, at)
            widget["high_value"] = _number(el, "highValue", problems, at)
    elif kind == "photo_upload":
        widget |= _photo(el, problems, at)
    else:
        widget["gps"] = boolean(el.get("gps"))
    return widget


def _photo(el, problems: Problems, at: str) -> dict:
    quality, ratio = el.get("quality"), el.get("ratio")
    if BYTES_QUALITY.fullmatch(quality.strip()):
        problems.warnings.append(
            f'{at}: photo quality "{quality}" (at most {quality} bytes) has no counterpart; '
            'imported as "best" (the photo is sent as taken)'
        )
        quality = "best"
    if ratio is None:
        problems.warnings.append(f'{at}: the photo widget has no ratio; imported as free (ratio "")')
        ratio = ""
    return {
        "quality": quality,
        "gallery": boolean(el.get("gallery"), True),
        "camera": boolean(el.get("camera"), True),
        "ratio": ratio,
    }
