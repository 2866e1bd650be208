"""Publish-time checks that need the database or settings, added to the core's validate():
attributes, tags, events and segments a flow names must exist and fit, and Call URLs must not name
the internal network outright (unless settings allow it)."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from engine import safe_http
from engine.attributes import WRITABLE_STANDARD, attribute_issues, attribute_of
from engine.channel_checks import channel_issues
from engine.core import conditions
from engine.core import variables as flow_variables
from engine.core.elements import date_time, people_event, profile_change
from engine.core.elements.call_url import literal_private_host
from engine.core.issues import Issue
from engine.core.validate import validate
from engine.sftp.checks import sftp_import_issues
from people.attributes import STANDARD_ATTRIBUTES, AttributeValueError, parse_value
from people.conditions import validate_rules
from people.models import AttributeDefinition, EventDefinition, Tag

DT = AttributeDefinition.DataType


def definition_issues(doc: Any) -> list[Issue]:
    """Everything standing between a draft and publishing: the core's validate() plus the checks that need
    the database or settings. Never raises."""
    issues = validate(doc)
    return issues + database_issues(doc, issues)


def database_issues(doc: Any, core_issues: list[Issue]) -> list[Issue]:
    """The checks that need the database or settings, given the core's issues of the same document (none
    when its structure is broken: they read nodes the schema has not vouched for). Never raises.

    Kept apart from validate() because their answer changes without the document changing (a tag deleted,
    a flow published, a setting changed): the core's issues can be stored with a draft, these cannot.
    """
    if any(i.code == "schema" for i in core_issues):
        return []
    return (
        attribute_issues(doc)
        + reference_issues(doc)
        + call_url_issues(doc)
        + entry_issues(doc)
        + sftp_import_issues(doc)
        + channel_issues(_nodes(doc))
    )


@functools.cache
def core_rules_version() -> str:
    """A fingerprint of the code behind validate(): engine/core's sources and schema, and the versions of the
    template and JSON Schema libraries. Issues stored with a draft are reused only under the same one, so a
    deploy that changes a rule never serves issues the old rules found."""
    root = Path(validate.__code__.co_filename).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    for library in ("jinja2", "jsonschema", "jsonschema_rs"):
        digest.update(f"{library}=={importlib.metadata.version(library)}".encode())
    return digest.hexdigest()[:20]


def _nodes(doc: Any) -> list[dict]:
    nodes = doc.get("nodes") if isinstance(doc, dict) else None
    return (
        [n for n in nodes if isinstance(n, dict) and isinstance(n.get("config"), dict)]
        if isinstance(nodes, list)
        else []
    )


def reference_issues(doc: Any) -> list[Issue]:
    """Condition splits' person rules, Update person's attributes and values, tags, the attribute or
    event a Wait waits for."""
    issues: list[Issue] = []
    tag_ids = set(Tag.objects.values_list("pk", flat=True))
    events = set(EventDefinition.objects.values_list("key", flat=True))
    for node in _nodes(doc):
        config = node["config"]

        def add(code: str, message: str, field: str, node_id: str | None = node.get("id")) -> None:
            issues.append(Issue(code, message, node_id, field))

        kind = node.get("type")
        if kind == "condition_split":
            for i, branch in enumerate(config.get("branches") or []):
                for part in conditions.person_parts(branch.get("rules")):
                    for error in validate_rules(part):
                        where = "" if error.path in ("", "(root)") else f" ({error.path})"
                        add("invalid_condition", f"{error.message}{where}", f"config.branches[{i}].rules")
        elif kind == "update_person":
            for i, update in enumerate(config.get("updates") or []):
                key = (update.get("attribute") or "").strip()
                if not key:
                    continue
                found = attribute_of(key)
                where = f"config.updates[{i}]"
                if found is None:
                    add("unknown_attribute", f'There is no person attribute "{key}"', f"{where}.attribute")
                    continue
                label, data_type = found
                if key in STANDARD_ATTRIBUTES and key not in WRITABLE_STANDARD:
                    add(
                        "read_only",
                        f"{label} is kept by the system; a flow cannot change it",
                        f"{where}.attribute",
                    )
                elif update.get("action") == "set" and update.get("source", "value") == "value":
                    try:
                        parse_value(data_type, update.get("value"))
                    except AttributeValueError as exc:
                        add("invalid_value", f"{label}: {exc}", f"{where}.value")
        elif kind == "update_tags":
            for field in ("add", "remove"):
                for tag_id in config.get(field) or []:
                    if tag_id not in tag_ids:
                        add("unknown_tag", f"Tag {tag_id} no longer exists", f"config.{field}")
        elif kind == "wait" and config.get("mode") == "attribute":
            key = (config.get("attribute") or "").strip()
            found = attribute_of(key) if key else None
            if key and found is None:
                add("unknown_attribute", f'There is no person attribute "{key}"', "config.attribute")
            elif found and found[1] not in (DT.DATE, DT.DATETIME):
                add(
                    "incompatible_attribute",
                    f"{found[0]} is not a date; choose a date attribute",
                    "config.attribute",
                )
        elif kind == "wait" and config.get("mode") == "event":
            key = (config.get("event") or "").strip()
            if key and key not in events:
                add(
                    "unknown_event",
                    f'There is no event "{key}"; define it under People > Events',
                    "config.event",
                )
    return issues


def call_url_issues(doc: Any) -> list[Issue]:
    """Call URL steps whose URL names an internal address outright (localhost, 10.x, [::1] ...), unless
    settings.CALLBACK_ALLOWED_PRIVATE allows it: refused at publish, not only at run time."""
    issues: list[Issue] = []
    for node in _nodes(doc):
        url = node["config"].get("url")
        if node.get("type") != "call_url" or not isinstance(url, str) or not literal_private_host(url):
            continue
        try:
            address = ipaddress.ip_address(urlsplit(url).hostname or "")
        except ValueError:
            address = None  # localhost and its subdomains: named, not numbered, never allowed here
        if address is None or not safe_http.is_allowed(address, settings.CALLBACK_ALLOWED_PRIVATE):
            message = "The URL points into the internal network; calls there are refused"
            issues.append(Issue("private_url", message, node.get("id"), "config.url"))
    return issues


def entry_issues(doc: Any) -> list[Issue]:
    """Entry points and "Add to flow": the attributes, events, properties, flows and SFTP servers they
    name must exist and fit."""
    issues: list[Issue] = []
    defaults = flow_variables.defaults(doc.get("variables") or []) if isinstance(doc, dict) else {}
    for node in _nodes(doc):
        config, node_id = node["config"], node.get("id")

        def add(code: str, message: str, field: str, node_id: str | None = node_id) -> None:
            issues.append(Issue(code, message, node_id, field))

        kind = node.get("type")
        if kind == "profile_change":
            rules = profile_change.with_variables(config.get("rules"), defaults)
            for error in validate_rules(rules):
                where = "" if error.path in ("", "(root)") else f" ({error.path})"
                add("invalid_condition", f"{error.message}{where}", "config.rules")
        elif kind == "people_event":
            conditions_doc = {"op": "and", "rules": config.get("conditions") or []}
            for error in validate_rules(conditions_doc):
                field = "config.conditions" + error.path.removeprefix("rules")
                add("invalid_condition", error.message, field)
            issues.extend(_saved_property_issues(node))
        elif kind == "date_time":
            issues.extend(_date_time_issues(node))
        elif kind == "add_to_flow":
            issues.extend(_add_to_flow_issues(node))
    return issues


def _saved_property_issues(node: dict) -> list[Issue]:
    config = node["config"]
    keys = people_event.triggering_events(config)
    known: set[str] = set()
    for definition in EventDefinition.objects.filter(key__in=keys):
        known |= {p["key"] for p in definition.properties}
    return [
        Issue(
            "unknown_property",
            f'None of the events that start this flow has a property "{saved["property"]}"',
            node.get("id"),
            f"config.save[{i}].property",
        )
        for i, saved in enumerate(config.get("save") or [])
        if saved.get("property") and saved["property"] not in known
    ]


def _date_time_issues(node: dict) -> list[Issue]:
    config, node_id = node["config"], node.get("id")
    key = (config.get("attribute") or "").strip()
    found = attribute_of(key) if key else None
    if not key:
        return []
    if found is None:
        return [
            Issue("unknown_attribute", f'There is no person attribute "{key}"', node_id, "config.attribute")
        ]
    label, data_type = found
    if data_type not in (DT.DATE, DT.DATETIME):
        message = f"{label} is not a date; choose a date or date-time attribute"
        return [Issue("incompatible_attribute", message, node_id, "config.attribute")]
    unit = (config.get("offset") or {}).get("unit")
    if (
        config.get("operator") in date_time.WITH_OFFSET
        and unit in ("minutes", "hours")
        and data_type == DT.DATE
    ):
        message = f"{label} is a date without a time: use days or weeks, or a date-time attribute"
        return [Issue("incompatible_unit", message, node_id, "config.offset.unit")]
    return []


def _add_to_flow_issues(node: dict) -> list[Issue]:
    from flowdesigner.models import Flow

    config, node_id = node["config"], node.get("id")
    flow_id, entry_id = config.get("flow"), config.get("entry")
    if not flow_id or not entry_id:
        return []
    flow = Flow.objects.filter(pk=flow_id).first()
    if flow is None:
        return [Issue("unknown_flow", f"Flow {flow_id} no longer exists", node_id, "config.flow")]
    version = flow.latest_version
    nodes = (version.definition.get("nodes") or []) if version is not None else []
    if not any(n.get("id") == entry_id and n.get("type") == "existing_flow" for n in nodes):
        message = f'The published flow "{flow.name}" has no Existing Flow entry "{entry_id}"'
        return [Issue("unknown_entry", message, node_id, "config.entry")]
    return []
