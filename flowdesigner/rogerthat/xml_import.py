"""Import a Rogerthat `messageFlowDefinitionSet` (or a single definition) as a flow document.

The first definition is the base language; every other definition must have the same elements
and wiring and becomes a translation of the texts and captions. Nothing is created unless the
whole document imports: the function is pure and returns either a document or all errors.
"""

from dataclasses import dataclass, field

from flowdesigner.rogerthat.schema import NAMESPACE, parse

ENTRY_ID = "rogerthat_start"
UNSUPPORTED = {
    "formMessage": "form messages are not supported by this importer yet",
    "flowCode": "flowCode (JavaScript) elements are not supported: Flowdesigner does not run flow code",
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
        "attachments": [
            {
                "name": a.get("name"),
                "url": a.get("url"),
                "content_type": a.get("contentType"),
                "size": int(a.get("size")),
            }
            for a in _children(el, "attachment")
        ],
    }
    return {"id": element_id, "type": "message", "config": config, "exits": exits}


def _node(el) -> dict:
    kind = _tag(el)
    if kind == "message":
        return _message_node(el)
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
        elif kind in {"message", "end", "resultsFlush", "resultsEmail"}:
            nodes.append(_node(el))
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
    start = base_el.get("startReference") or next((n["id"] for n in nodes if n["type"] == "message"), None)
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
    extra = set(by_id) - {n["id"] for n in base}
    errors.extend(f'[{language}] element "{i}" is not in the base language' for i in sorted(extra))
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
