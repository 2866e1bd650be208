"""What staff and the canvas see of a published version's entry points: a label and, in one sentence,
what starts people there (the flow page's "Entry points" list, the entries API)."""

from dataclasses import dataclass

from engine.core import elements
from engine.core.definition import DefinitionError, Node
from engine.core.elements import date_time, predefined_audience, profile_change
from engine.definitions import version_definition
from flowdesigner.models import FlowVersion
from people.models import Company, Segment, Tag


@dataclass(frozen=True)
class EntryPointRow:
    """One entry point of a published version, as staff and the canvas see it."""

    id: str
    type: str
    label: str  # the canvas label, else the element label and the node id
    element: str  # the element type's label ("Predefined Audience")
    does: str  # what starts people there, in a sentence
    realtime: bool = False  # a Predefined Audience that updates in real time


def element_label(type_name: str) -> str:
    """The label of an element type ("Existing Flow"); the type itself when it is unknown."""
    try:
        return elements.get(type_name).label
    except KeyError:
        return type_name


def entry_label(definition: dict, node_id: str, type_name: str) -> str:
    """The label of an entry point: the one the canvas keeps in the definition's "ui" section
    (ui.nodes.<id>.label), else the element label with the node id."""
    ui = definition.get("ui") if isinstance(definition, dict) else None
    nodes = ui.get("nodes") if isinstance(ui, dict) else None
    placed = nodes.get(node_id) if isinstance(nodes, dict) else None
    label = placed.get("label") if isinstance(placed, dict) else None
    if isinstance(label, str) and label.strip():
        return label.strip()
    return f"{element_label(type_name)} ({node_id})"


def version_entry_points(version: FlowVersion) -> list[EntryPointRow]:
    """The entry points of a published version, in the order of the document."""
    try:
        defn = version_definition(version)
    except DefinitionError:  # published versions load; a hand-edited row must not break the page
        return []
    return [
        EntryPointRow(
            id=node.id,
            type=node.type,
            label=entry_label(version.definition, node.id, node.type),
            element=element_label(node.type),
            does=entry_does(node, flow_id=version.flow_id),
            realtime=node.type == "predefined_audience" and predefined_audience.is_realtime(node.config),
        )
        for node in defn.entries()
    ]


def entry_does(node: Node, *, flow_id: int) -> str:
    """What starts people at this entry point, in one sentence for the flow page."""
    describe = DESCRIBERS.get(node.type)
    if describe is None:
        return f"Starts people through {element_label(node.type)}."
    return describe(node.config, flow_id)


def _profile_does(config: dict, flow_id: int) -> str:
    found = profile_change.conditions(config.get("rules"))
    keys = sorted({c["attribute"] for _, c in found if isinstance(c.get("attribute"), str)})
    on = f" (on {', '.join(keys)})" if keys else ""
    return f"Starts people when a change to their profile makes its condition true{on}."


def _event_does(config: dict, flow_id: int) -> str:
    conditions = [c for c in config.get("conditions") or [] if isinstance(c, dict)]
    events = sorted({str(c.get("event")) for c in conditions if c.get("operator") == "happened"})
    named = ", ".join(events) or "(none chosen)"
    return f"Starts people when they have the event {named} and its conditions hold."


def _date_does(config: dict, flow_id: int) -> str:
    attribute = config.get("attribute") or "(no attribute)"
    return f"Starts people when their {attribute} {_moment(config)}, in their timezone."


def _flow_api_does(config: dict, flow_id: int) -> str:
    return (
        "Starts people that integrators send to the Flow API "
        f"(POST /moments/1/flows/{flow_id}/participants), with their variables."
    )


def _existing_flow_does(config: dict, flow_id: int) -> str:
    return 'Starts people that another active flow\'s "Add to flow" step hands over, with their variables.'


def _sftp_does(config: dict, flow_id: int) -> str:
    where = (config.get("path") or "/") + (f" matching {config['pattern']}" if config.get("pattern") else "")
    return (
        f"Starts a person for each valid row of new CSV/TSV files in {where} on the SFTP server, "
        "checked every few minutes."
    )


def _moment(config: dict) -> str:
    offset = config.get("offset") if isinstance(config.get("offset"), dict) else {}
    amount = f"{offset.get('amount', '?')} {offset.get('unit', '')}".strip()
    operator = config.get("operator")
    if operator == "is_in":
        return f"is in {amount}"
    if operator == "was":
        return f"was {amount} ago"
    return date_time.OPERATORS.get(operator, str(operator))


def _audience_does(config: dict, flow_id: int) -> str:
    parts = []
    for key, model, word in (
        ("tags", Tag, "tag"),
        ("segments", Segment, "segment"),
        ("companies", Company, "company"),
    ):
        ids = [i for i in config.get(key) or [] if isinstance(i, int)]
        names = list(model.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True)[:5])
        if names:
            more = f" and {len(ids) - len(names)} more" if len(ids) > len(names) else ""
            parts.append(f"{word} {', '.join(names)}{more}")
    persons = len(config.get("persons") or [])
    if persons:
        parts.append(f"{persons} hand-picked {'person' if persons == 1 else 'people'}")
    who = "; ".join(parts) or "nobody chosen yet"
    if predefined_audience.is_realtime(config):
        return (
            f"Real-time audience ({who}): starts it when staff launch the flow, then anyone who comes to "
            "match it while the flow is active. Staff can also add or remove people by hand."
        )
    return f"Starts its audience ({who}) when staff launch the flow; people who match it later do not enter."


_OPERATOR_WORDS = {
    "matches_text": "is",
    "contains_text": "contains",
    "contains_word": "has the word",
}
_CHANNEL_NAMES = {"sms": "an SMS", "email": "an email", "web": "a web inbox message"}


def _inbound_does(config: dict, flow_id: int) -> str:
    channel = _CHANNEL_NAMES.get(config.get("channel", "sms"), "a message")
    to = f" to {config['recipient']}" if config.get("recipient") else ""
    parts = []
    for condition in config.get("conditions") or []:
        if not isinstance(condition, dict):
            continue
        operator = condition.get("operator")
        if operator == "anything":
            parts.append("anything")
        elif operator == "matches_regex":
            parts.append(f"matches the pattern {condition.get('pattern', '')}")
        elif operator == "equals_attribute":
            parts.append(f"holds their {condition.get('attribute', '')}")
        elif operator in _OPERATOR_WORDS:
            values = " or ".join(f'"{v}"' for v in condition.get("values") or [])
            parts.append(f"{_OPERATOR_WORDS[operator]} {values}")
    said = "; or ".join(parts) or "(no condition yet)"
    return f"Starts people who send {channel}{to} that {said}."


def _call_does(config: dict, flow_id: int) -> str:
    to = config.get("recipient") or "any of our voice numbers"
    return f"Starts people who call {to}."


DESCRIBERS = {
    "predefined_audience": _audience_does,
    "profile_change": _profile_does,
    "people_event": _event_does,
    "date_time": _date_does,
    "flow_api": _flow_api_does,
    "existing_flow": _existing_flow_does,
    "sftp_import": _sftp_does,
    "inbound_message": _inbound_does,
    "inbound_call": _call_does,
}
