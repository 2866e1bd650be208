"""Import a Rogerthat `messageFlowDefinitionSet` (or a single definition) as a flow document.

The first definition is the base language; every other definition must have the same elements
and wiring and becomes a translation of the texts and captions. Nothing is created unless the
whole document imports: the function is pure and returns either a document or all errors.
"""

import math
from dataclasses import dataclass, field

from flowdesigner.rogerthat.schema import NAMESPACE, XSI, parse

ENTRY_ID = "rogerthat_start"
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


class RogerthatImportError(ValueError):
    """The XML cannot be imported; `errors` names each offending element."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class ImportedFlow:
    name: str
    language: str
    definition: dict
    languages: list[str] = field(default_factory=list)


def _tag(element) -> str:
    return element.tag.split("}", 1)[-1]


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip() in {"true", "1"}


def _children(element, name: str) -> list:
    return element.findall(f"{{{NAMESPACE}}}{name}")


def _definitions(root) -> list:
    tag = _tag(root)
    if tag == "messageFlowDefinitionSet":
        return _children(root, "definition")
    if tag in {"messageFlowDefinition", "definition"}:
        return [root]
    raise RogerthatImportError(
        [f"<{tag}> is not a Rogerthat flow definition (expected messageFlowDefinitionSet)"]
    )


def _message_node(el) -> dict:
    element_id = el.get("id")
    content = el.find(f"{{{NAMESPACE}}}content")
    buttons, exits = [], {}
    for answer in _children(el, "answer"):
        buttons.append(
            {"id": answer.get("id"), "caption": answer.get("caption"), "action": answer.get("action") or ""}
        )
        exits[answer.get("id")] = answer.get("reference")
    allow_dismiss = _bool(el.get("allowDismiss"))
    if allow_dismiss:
        exits["dismiss"] = el.get("dismissReference")
    config = {
        "text": (content.text or "") if content is not None else "",
        "buttons": buttons,
        "allow_dismiss": allow_dismiss,
        "dismiss_caption": "Roger that",
        "branding": el.get("brandingKey") or None,
        "alert": {
            "type": el.get("alertType"),
            "interval": el.get("alertIntervalType"),
            "vibrate": _bool(el.get("vibrate")),
        },
        "auto_lock": _bool(el.get("autoLock"), True),
        "attachments": _attachments(el),
    }
    return {"id": element_id, "type": "message", "config": config, "exits": exits}


def _number(el, name: str, errors: list[str], where: str) -> int | float:
    """An xs:float attribute as a JSON number (whole numbers as int); INF and NaN are refused."""
    value = float(el.get(name))
    if not math.isfinite(value):
        errors.append(f'{where}: {name} must be a finite number, not "{el.get(name)}"')
        return 0
    return int(value) if value.is_integer() else value


def _long(el, name: str) -> int | None:
    value = el.get(name)
    return None if value is None else int(value)


def _widget(el, errors: list[str], where: str) -> dict | None:
    """The <widget> of a form as our widget config, by its xsi:type; None (with an error) if unsupported."""
    xsi_type = (el.get(f"{{{XSI}}}type") or "").split(":")[-1]
    if xsi_type in UNSUPPORTED_WIDGETS:
        errors.append(f"{where}: {UNSUPPORTED_WIDGETS[xsi_type]}")
        return None
    kind = WIDGET_TYPES.get(xsi_type)
    if kind is None:
        errors.append(f'{where}: the widget needs an xsi:type such as "TextLineWidget", not "{xsi_type}"')
        return None
    widget: dict = {"type": kind}
    if kind in ("text_line", "text_block", "auto_complete"):
        widget |= {
            "max_chars": int(el.get("maxChars")),
            "placeholder": el.get("placeholder") or "",
            "value": el.get("value") or "",
        }
        if kind == "auto_complete":
            widget["suggestions"] = [s.get("value") for s in _children(el, "suggestion")]
    elif kind in ("single_select", "multi_select"):
        widget["choices"] = [
            {"value": c.get("value"), "label": c.get("label")} for c in _children(el, "choice")
        ]
        if kind == "single_select":
            widget["value"] = el.get("value") or None
        else:
            widget["values"] = [v.get("value") for v in _children(el, "value")]
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
            widget[name] = _number(el, name, errors, where)
        widget |= {"precision": int(el.get("precision")), "unit": el.get("unit")}
        if kind == "slider":
            widget["value"] = _number(el, "value", errors, where)
        else:
            widget["low_value"] = _number(el, "lowValue", errors, where)
            widget["high_value"] = _number(el, "highValue", errors, where)
    elif kind == "photo_upload":
        widget |= {
            "quality": el.get("quality"),
            "gallery": _bool(el.get("gallery"), True),
            "camera": _bool(el.get("camera"), True),
            "ratio": el.get("ratio"),
        }
    else:
        widget["gps"] = _bool(el.get("gps"))
    return widget


def _form_message_node(el, errors: list[str]) -> dict:
    """A <formMessage>; the member attribute is ignored (the flow's person answers), and save_to, which the
    XSD has no counterpart for, is null."""
    where = f'<formMessage id="{el.get("id")}">'
    content = el.find(f"{{{NAMESPACE}}}content")
    form = el.find(f"{{{NAMESPACE}}}form")
    script = form.find(f"{{{NAMESPACE}}}javascriptValidation")
    if script is not None and (script.text or "").strip():
        errors.append(f"{where}: javascriptValidation is not supported: Flowdesigner does not run flow code")
    widget = _widget(form.find(f"{{{NAMESPACE}}}widget"), errors, where)
    config = {
        "text": (content.text or "") if content is not None else "",
        "widget": widget or {"type": "text_line"},
        "positive_caption": form.get("positiveButtonCaption"),
        "positive_confirmation": form.get("positiveButtonConfirmation") or "",
        "negative_caption": form.get("negativeButtonCaption"),
        "negative_confirmation": form.get("negativeButtonConfirmation") or "",
        "save_to": None,
        "branding": el.get("brandingKey") or None,
        "alert": {
            "type": el.get("alertType"),
            "interval": el.get("alertIntervalType"),
            "vibrate": _bool(el.get("vibrate")),
        },
        "auto_lock": _bool(el.get("autoLock"), True),
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
        for a in _children(el, "attachment")
    ]


def _node(el, errors: list[str]) -> dict:
    kind = _tag(el)
    if kind == "message":
        return _message_node(el)
    if kind == "formMessage":
        return _form_message_node(el, errors)
    if kind == "end":
        return {
            "id": el.get("id"),
            "type": "exit",
            "config": {"name": el.get("id"), "wait_for_follow_up": _bool(el.get("waitForFollowUpMessage"))},
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
                "emails": [e.get("value") for e in _children(el, "email")],
                "email_admins": _bool(el.get("emailAdmins")),
            },
            "exits": {"next": el.get("reference")},
        }
    raise AssertionError(kind)  # unreachable: callers filter on the known kinds


def _structure(definition_el) -> tuple[list[dict], list[str]]:
    """Nodes of one <definition> and the errors found in it."""
    errors: list[str] = []
    nodes: list[dict] = []
    for el in definition_el:
        kind = _tag(el)
        if kind in UNSUPPORTED:
            errors.append(f'<{kind} id="{el.get("id")}">: {UNSUPPORTED[kind]}')
        elif kind in {"message", "formMessage", "end", "resultsFlush", "resultsEmail"}:
            nodes.append(_node(el, errors))
    seen: set[str] = set()
    for node in nodes:
        if node["id"] in seen:
            errors.append(f'id "{node["id"]}" is used by more than one element')
        seen.add(node["id"])
    for node in nodes:
        for exit_name, target in node["exits"].items():
            if not target:
                errors.append(f'<{node["type"]} id="{node["id"]}">: "{exit_name}" has no reference')
            elif target not in seen:
                errors.append(
                    f'<{node["type"]} id="{node["id"]}">: "{exit_name}" refers to unknown id "{target}"'
                )
    return nodes, errors


def import_xml(data: bytes) -> ImportedFlow:
    """Map Rogerthat XML onto a flow document, or raise RogerthatImportError with every problem."""
    try:
        root, schema_errors = parse(data)
    except ValueError as exc:
        raise RogerthatImportError([str(exc)]) from None
    if schema_errors:
        raise RogerthatImportError([f"not valid per MessageFlow.1.xsd: {e}" for e in schema_errors])
    definitions = _definitions(root)
    base_el = definitions[0]
    nodes, errors = _structure(base_el)
    start = base_el.get("startReference") or next(
        (n["id"] for n in nodes if n["type"] in ("message", "form_message")), None
    )
    if start is not None and start not in {n["id"] for n in nodes}:
        errors.append(
            f'<definition name="{base_el.get("name")}">: startReference "{start}" is not an element id'
        )
    translations: dict[str, dict] = {}
    for other in definitions[1:]:
        other_nodes, other_errors = _structure(other)
        errors.extend(f"[{other.get('language')}] {e}" for e in other_errors)
        translations[other.get("language")] = _translation(nodes, other_nodes, other.get("language"), errors)
    if errors:
        raise RogerthatImportError(errors)

    entry = {
        "id": ENTRY_ID,
        "type": "predefined_audience",
        "config": {"tags": [], "persons": []},
        "exits": {"next": start},
    }
    document = {
        "spec_version": 1,
        "language": base_el.get("language"),
        "nodes": [entry, *nodes],
        "ui": {"nodes": _layout([entry, *nodes])},
    }
    if translations:
        document["translations"] = translations
    return ImportedFlow(
        name=base_el.get("name"),
        language=base_el.get("language"),
        definition=document,
        languages=[d.get("language") for d in definitions],
    )


def _translation(base: list[dict], other: list[dict], language: str, errors: list[str]) -> dict:
    """Texts and captions of one more language; the wiring must be the base's."""
    by_id = {n["id"]: n for n in other}
    texts: dict[str, dict] = {}
    for node in base:
        twin = by_id.get(node["id"])
        if twin is None or twin["type"] != node["type"] or twin["exits"] != node["exits"]:
            errors.append(
                f'[{language}] element "{node["id"]}" differs from the base language in kind or wiring'
            )
            continue
        if node["type"] == "message":
            texts[node["id"]] = {
                "text": twin["config"]["text"],
                "buttons": {b["id"]: b["caption"] for b in twin["config"]["buttons"]},
            }
        elif node["type"] == "form_message":
            translated = _form_translation(node["config"], twin["config"])
            if translated is None:
                errors.append(
                    f'[{language}] element "{node["id"]}" has another widget than the base language'
                )
                continue
            texts[node["id"]] = translated
    extra = set(by_id) - {n["id"] for n in base}
    errors.extend(f'[{language}] element "{i}" is not in the base language' for i in sorted(extra))
    return texts


FORM_TEXTS = (
    "text",
    "positive_caption",
    "negative_caption",
    "positive_confirmation",
    "negative_confirmation",
)


def _form_translation(base: dict, twin: dict) -> dict | None:
    """The texts of a form message in another language (see form_message.localised): text, captions,
    confirmations, placeholder and choice labels. None when the widget is not the same kind with the same
    choice values."""
    widget, other = base["widget"], twin["widget"]
    values = [c["value"] for c in widget.get("choices", [])]
    if other["type"] != widget["type"] or [c["value"] for c in other.get("choices", [])] != values:
        return None
    texts = {key: twin[key] for key in FORM_TEXTS}
    if "placeholder" in other:
        texts["placeholder"] = other["placeholder"]
    if "choices" in other:
        texts["choices"] = {c["value"]: c["label"] for c in other["choices"]}
    return texts


def _layout(nodes: list[dict]) -> dict:
    """Canvas positions: breadth-first columns from the entry, so an import opens readable."""
    position: dict[str, dict] = {}
    by_id = {n["id"]: n for n in nodes}
    column, frontier, seen = 0, [nodes[0]["id"]], {nodes[0]["id"]}
    while frontier:
        for row, node_id in enumerate(frontier):
            position[node_id] = {"x": column * 300, "y": row * 160}
        next_frontier = []
        for node_id in frontier:
            for target in by_id[node_id]["exits"].values():
                if target in by_id and target not in seen:
                    seen.add(target)
                    next_frontier.append(target)
        frontier, column = next_frontier, column + 1
    for row, node in enumerate(n for n in nodes if n["id"] not in position):
        position[node["id"]] = {"x": column * 300, "y": row * 160}
    return position
