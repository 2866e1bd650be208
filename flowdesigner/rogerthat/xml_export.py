"""Export a flow document as a Rogerthat `messageFlowDefinitionSet` (one definition per language).

Elements without a Rogerthat counterpart (entry points) are left out; the entry's first step
becomes `startReference`. Every exported exit must be connected, since Rogerthat references are
required.
"""

import xml.etree.ElementTree as ET  # noqa: S405 (we only build XML here; parsing uses schema.parse)

from flowdesigner.rogerthat.schema import NAMESPACE

# The XSD's sequence order of a definition's children.
ORDER = ["exit", "message", "send_results", "email_results"]


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
    root = ET.Element(f"{{{NAMESPACE}}}messageFlowDefinitionSet")
    base_language = definition.get("language") or "en"
    languages = [base_language, *sorted(definition.get("translations", {}))]
    start = entries[0]["exits"].get("next") if entries else None
    for language in languages:
        texts = definition.get("translations", {}).get(language, {}) if language != base_language else {}
        attrs = {"name": name, "language": language}
        if start:
            attrs["startReference"] = start
        el = ET.SubElement(root, f"{{{NAMESPACE}}}definition", attrs)
        for kind in ORDER:
            for node in (n for n in exported if n["type"] == kind):
                _element(el, node, texts.get(node["id"], {}))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


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
                    "caption": captions.get(button["id"], button["caption"]),
                    "action": button.get("action", ""),
                    "id": button["id"],
                    "reference": exits[button["id"]],
                },
            )
        for a in config.get("attachments", []):
            ET.SubElement(
                el,
                q + "attachment",
                {
                    "name": a["name"],
                    "url": a["url"],
                    "contentType": a["content_type"],
                    "size": str(a["size"]),
                },
            )
