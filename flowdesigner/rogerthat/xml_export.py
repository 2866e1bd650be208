"""Export a flow document as a Rogerthat `messageFlowDefinitionSet` (one definition per language).

Elements without a Rogerthat counterpart (entry points) are left out; the entry's first step
becomes `startReference`. Every exported exit must be connected, since Rogerthat references are
required. A flow imported from Rogerthat gets each language's own original ids (and definition name) back
from `ui.rogerthat` (ids.Originals); elements added since keep their ids.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (we only build XML here; parsing uses schema.parse)

from engine.core import widgets
from flowdesigner.rogerthat.ids import Originals
from flowdesigner.rogerthat.languages import FORM_TEXTS
from flowdesigner.rogerthat.schema import NAMESPACE, XSI

# The XSD's sequence order of a definition's children.
ORDER = ["exit", "message", "form_message", "send_results", "email_results"]
XSI_TYPES = {
    "text_line": "TextLineWidget",
    "text_block": "TextBlockWidget",
    "auto_complete": "TextAutocompleteWidget",
    "single_select": "SelectSingleWidget",
    "multi_select": "SelectMultiWidget",
    "date_select": "SelectDateWidget",
    "slider": "SliderWidget",
    "range_slider": "RangeSliderWidget",
    "photo_upload": "PhotoUploadWidget",
    "gps_location": "GPSLocationWidget",
}


class RogerthatExportError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _text(value: bool) -> str:
    return "true" if value else "false"


def export_xml(definition: dict, *, name: str) -> bytes:
    """The flow as Rogerthat XML; raises RogerthatExportError naming unexportable elements."""
    nodes = definition.get("nodes", [])
    entries = [n for n in nodes if n["type"] == "predefined_audience"]
    exported = [n for n in nodes if n["type"] in ORDER]
    errors = [
        f'element "{n["id"]}" ({n["type"]}) has no Rogerthat counterpart'
        for n in nodes
        if n["type"] not in ORDER and n["type"] != "predefined_audience"
    ]
    for node in exported:
        for exit_name, target in node.get("exits", {}).items():
            if not target:
                errors.append(f'element "{node["id"]}": connect "{exit_name}" before exporting')
    if errors:
        raise RogerthatExportError(errors)

    ET.register_namespace("", NAMESPACE)
    ET.register_namespace("xsi", XSI)
    root = ET.Element(f"{{{NAMESPACE}}}messageFlowDefinitionSet")
    base_language = definition.get("language") or "en"
    languages = [base_language, *sorted(definition.get("translations", {}))]
    start = entries[0]["exits"].get("next") if entries else None
    originals = Originals.of(definition)
    for language in languages:
        texts = definition.get("translations", {}).get(language, {}) if language != base_language else {}
        ids = _Ids(originals, language)
        # The base language carries the flow's name; the others their own (imported) names.
        attrs = {"name": originals.name(language, name), "language": language}
        if start:
            attrs["startReference"] = ids.node(start)
        el = ET.SubElement(root, f"{{{NAMESPACE}}}definition", attrs)
        for kind in ORDER:
            for node in (n for n in exported if n["type"] == kind):
                _element(el, _with_ids(node, ids), texts.get(node["id"], {}))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


class _Ids:
    """One language's original ids (the internal id where there is none)."""

    def __init__(self, originals: Originals, language: str) -> None:
        self.originals, self.language = originals, language

    def node(self, internal: str) -> str:
        return self.originals.node(self.language, internal)

    def answer(self, node: str, internal: str) -> str:
        return self.originals.answer(self.language, node, internal)


def _with_ids(node: dict, ids: _Ids) -> dict:
    """The node with one language's original ids; `translated` stays keyed by internal ids, so button
    captions are looked up by `internal_id` (kept on each button)."""
    answers = {b["id"]: ids.answer(node["id"], b["id"]) for b in node.get("config", {}).get("buttons", [])}
    config = node.get("config", {})
    if node["type"] == "message":
        config = {
            **config,
            "buttons": [{**b, "id": answers[b["id"]], "internal_id": b["id"]} for b in config["buttons"]],
        }
    return {
        **node,
        "id": ids.node(node["id"]),
        "config": config,
        "exits": {answers.get(k, k): ids.node(v) for k, v in node.get("exits", {}).items()},
    }


def _element(parent, node: dict, translated: dict) -> None:
    q = f"{{{NAMESPACE}}}"
    config, exits = node.get("config", {}), node.get("exits", {})
    if node["type"] == "exit":
        ET.SubElement(
            parent,
            q + "end",
            {"id": node["id"], "waitForFollowUpMessage": _text(config.get("wait_for_follow_up", False))},
        )
    elif node["type"] == "send_results":
        ET.SubElement(parent, q + "resultsFlush", {"id": node["id"], "reference": exits["next"]})
    elif node["type"] == "email_results":
        el = ET.SubElement(
            parent,
            q + "resultsEmail",
            {
                "id": node["id"],
                "reference": exits["next"],
                "emailAdmins": _text(config.get("email_admins", False)),
            },
        )
        for address in config.get("emails", []):
            ET.SubElement(el, q + "email", {"value": address})
    elif node["type"] == "form_message":
        _form_message(parent, node, translated)
    elif node["type"] == "message":
        alert = config.get("alert") or {}
        attrs = {
            "id": node["id"],
            "allowDismiss": _text(config.get("allow_dismiss", False)),
            "autoLock": _text(config.get("auto_lock", True)),
            "vibrate": _text(alert.get("vibrate", False)),
            "alertType": alert.get("type", "SILENT"),
            "alertIntervalType": alert.get("interval", "NONE"),
        }
        if config.get("allow_dismiss"):
            attrs["dismissReference"] = exits["dismiss"]
        if config.get("branding"):
            attrs["brandingKey"] = config["branding"]
        el = ET.SubElement(parent, q + "message", attrs)
        ET.SubElement(el, q + "content").text = translated.get("text", config.get("text", ""))
        captions = translated.get("buttons", {})
        for button in config.get("buttons", []):
            ET.SubElement(
                el,
                q + "answer",
                {
                    "caption": captions.get(button.get("internal_id", button["id"]), button["caption"]),
                    "action": button.get("action", ""),
                    "id": button["id"],
                    "reference": exits[button["id"]],
                },
            )
        _attachments(el, config)


def _attachments(el, config: dict) -> None:
    for a in config.get("attachments", []):
        ET.SubElement(
            el,
            f"{{{NAMESPACE}}}attachment",
            {"name": a["name"], "url": a["url"], "contentType": a["content_type"], "size": str(a["size"])},
        )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _form_message(parent, node: dict, translated: dict) -> None:
    """A form_message as <formMessage>; save_to has no counterpart in the XSD and is left out."""
    q = f"{{{NAMESPACE}}}"
    config, exits = node["config"], node["exits"]
    alert = config.get("alert") or {}
    attrs = {"id": node["id"]}
    if config.get("branding"):
        attrs["brandingKey"] = config["branding"]
    attrs |= {
        "autoLock": _text(config.get("auto_lock", True)),
        "vibrate": _text(alert.get("vibrate", False)),
        "alertType": alert.get("type", "SILENT"),
        "alertIntervalType": alert.get("interval", "NONE"),
        "positiveReference": exits["positive"],
        "negativeReference": exits["negative"],
    }
    el = ET.SubElement(parent, q + "formMessage", attrs)
    ET.SubElement(el, q + "content").text = translated.get("text", config.get("text", ""))
    texts = {key: translated.get(key, config.get(key, "")) for key in FORM_TEXTS}
    form_attrs = {"positiveButtonCaption": texts["positive_caption"]}
    if texts["positive_confirmation"]:
        form_attrs["positiveButtonConfirmation"] = texts["positive_confirmation"]
    form_attrs["negativeButtonCaption"] = texts["negative_caption"]
    if texts["negative_confirmation"]:
        form_attrs["negativeButtonConfirmation"] = texts["negative_confirmation"]
    form = ET.SubElement(el, q + "form", form_attrs)
    _widget(form, widgets.options(config["widget"]), translated)
    _attachments(el, config)


def _widget(form, w: dict, translated: dict) -> None:
    q = f"{{{NAMESPACE}}}"
    kind = w["type"]
    attrs = {f"{{{XSI}}}type": XSI_TYPES[kind]}
    children: list[tuple[str, dict]] = []
    if kind in widgets.TEXT_TYPES:
        attrs["maxChars"] = str(w["max_chars"])
        placeholder = translated.get("placeholder", w["placeholder"])
        if placeholder:
            attrs["placeholder"] = placeholder
        if w["value"]:
            attrs["value"] = w["value"]
        children = [("suggestion", {"value": v}) for v in w.get("suggestions", [])]
    elif kind in ("single_select", "multi_select"):
        labels = translated.get("choices", {})
        children = [
            ("choice", {"value": c["value"], "label": labels.get(c["value"], c["label"])})
            for c in w["choices"]
        ]
        if kind == "single_select":
            attrs["value"] = w["value"] or ""
        else:
            children += [("value", {"value": v}) for v in w["values"]]
    elif kind == "date_select":
        for name, xml_name in (("min_date", "minDate"), ("max_date", "maxDate"), ("date", "date")):
            if w[name] is not None:
                attrs[xml_name] = str(w[name])
        attrs["minuteInterval"] = str(w["minute_interval"])
        attrs["mode"] = w["mode"]
        if w["unit"]:
            attrs["unit"] = w["unit"]
    elif kind in ("slider", "range_slider"):
        attrs |= {name: _num(w[name]) for name in ("min", "max", "step")}
        attrs |= {"precision": str(w["precision"]), "unit": w["unit"]}
        if kind == "slider":
            attrs["value"] = _num(w["value"])
        else:
            attrs |= {"lowValue": _num(w["low_value"]), "highValue": _num(w["high_value"])}
    elif kind == "photo_upload":
        attrs |= {
            "quality": w["quality"],
            "gallery": _text(w["gallery"]),
            "camera": _text(w["camera"]),
            "ratio": w["ratio"],
        }
    else:
        attrs["gps"] = _text(w["gps"])
    el = ET.SubElement(form, q + "widget", attrs)
    for tag, child_attrs in children:
        ET.SubElement(el, q + tag, child_attrs)
