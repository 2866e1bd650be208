"""Full validation of a flow document: every issue that stands between a draft and publishing."""

from __future__ import annotations

import functools
from collections import Counter, deque

from engine.core import conditions, elements, variables, widgets
from engine.core.definition import DefinitionError, Node, current, json_path, schema_issues, shorten_message
from engine.core.elements import profile_change
from engine.core.issues import Issue
from engine.core.schema_check import SchemaChecker


def validate(doc: dict) -> list[Issue]:
    """Every issue in `doc`, in document order then flow-wide ones; an empty list means publishable.

    Never raises for bad input. When the document's structure is broken (schema errors) only those are
    returned: the graph rules would otherwise report noise about nodes that cannot be read.
    """
    try:
        doc = current(doc)
    except DefinitionError as exc:
        return exc.issues
    issues = schema_issues(doc)
    if issues:
        return issues

    raw_nodes: list[dict] = doc["nodes"]
    # With duplicate ids the first occurrence is the one exits lead to (as load() would keep it).
    nodes: dict[str, Node] = {}
    for raw in raw_nodes:
        nodes.setdefault(raw["id"], Node(raw["id"], raw["type"], raw["config"], raw["exits"]))
    entry_ids = {n.id for n in nodes.values() if _category(n.type) == "entry"}

    seen: set[str] = set()
    for raw in raw_nodes:
        node = Node(raw["id"], raw["type"], raw["config"], raw["exits"])
        if node.id in seen:
            issues.append(
                Issue("duplicate_id", f'Another element already has the id "{node.id}"', node.id, "id")
            )
            continue
        seen.add(node.id)
        issues += _node_issues(node, nodes, entry_ids)

    issues += _count_issues(nodes)
    issues += _variable_issues(doc, nodes)
    if not entry_ids:
        issues.append(Issue("no_entry", "The flow has no entry point"))
    else:
        reached = _reachable(nodes, entry_ids)
        issues += [
            Issue("unreachable", "This element cannot be reached from any entry point", n.id)
            for n in nodes.values()
            if n.id not in reached
        ]
    return issues


def _variable_issues(doc: dict, nodes: dict[str, Node]) -> list[Issue]:
    """Declarations, and every reference to a flow variable: declared, and of a type that fits."""
    declarations = doc.get("variables") or []
    issues = [
        Issue(code, message, None, field)
        for code, message, field in variables.declaration_issues(declarations)
    ]
    declared = {d["name"]: d["type"] for d in declarations}
    defaults = variables.defaults(declarations)

    def undeclared(node: Node, name: str, field: str) -> None:
        if name and name not in declared and variables.NAME.fullmatch(name):
            message = f'"{name}" is not a variable of this flow; declare it in the flow settings'
            issues.append(Issue("unknown_variable", message, node.id, field))

    for node in nodes.values():
        config = node.config if isinstance(node.config, dict) else {}
        if node.type == "condition_split":
            for i, branch in enumerate(config.get("branches") or []):
                where = f"config.branches[{i}].rules"
                for field, message in conditions.variable_issues(branch.get("rules"), declared, path=where):
                    issues.append(Issue("invalid_condition", message, node.id, field))
        elif node.type == "update_person":
            for i, update in enumerate(config.get("updates") or []):
                if update.get("source") == "variable" and update.get("action") == "set":
                    undeclared(node, update.get("value") or "", f"config.updates[{i}].value")
        elif node.type in ("inbound_message", "inbound_call", "evaluate_reply"):
            for field, name in elements.get(node.type).variable_references(config):
                undeclared(node, name, field)
        elif node.type == "call_url":
            undeclared(node, config.get("status_variable") or "", "config.status_variable")
            for i, saved in enumerate(config.get("save") or []):
                undeclared(node, saved.get("variable", ""), f"config.save[{i}].variable")
            status_type = declared.get(config.get("status_variable") or "")
            if status_type not in (None, "number", "text"):
                message = f"The status is a number; {config['status_variable']} is a {status_type} variable"
                issues.append(Issue("incompatible_variable", message, node.id, "config.status_variable"))
        elif (node.type == "wait" and config.get("mode") == "event") or node.type == "people_event":
            for i, saved in enumerate(config.get("save") or []):
                undeclared(node, saved.get("variable", ""), f"config.save[{i}].variable")
        elif node.type == "sftp_import":
            for i, mapped in enumerate(config.get("variables") or []):
                undeclared(node, mapped.get("variable", ""), f"config.variables[{i}].variable")
        elif node.type == "profile_change":
            for name in sorted(profile_change.variable_names(config.get("rules"))):
                undeclared(node, name, "config.rules")
                if name in declared and defaults.get(name) is None:
                    message = f'The variable "{name}" has no default value for the condition to compare with'
                    issues.append(Issue("no_default", message, node.id, "config.rules"))
        elif node.type == "form_message":
            save_to = config.get("save_to") or {}
            type_name = declared.get(save_to.get("name", "")) if save_to.get("kind") == "variable" else None
            result = widgets.RESULT_TYPES.get((config.get("widget") or {}).get("type"))
            if type_name and result and result not in variables.FORM_RESULTS[type_name]:
                widget = config["widget"]["type"]
                message = f"A {widget} answer cannot be kept in the {type_name} variable {save_to['name']}"
                issues.append(Issue("incompatible_variable", message, node.id, "config.save_to.name"))
    return issues


@functools.cache
def config_validator(element: elements.ElementType) -> SchemaChecker:
    """The checker of an element type's config schema, built once per type (schemas are constants)."""
    return SchemaChecker(element.config_schema)


def _category(type_name: str) -> str | None:
    try:
        return elements.get(type_name).category
    except KeyError:
        return None


def _node_issues(node: Node, nodes: dict[str, Node], entry_ids: set[str]) -> list[Issue]:
    issues = _destination_issues(node, nodes, entry_ids)
    try:
        element = elements.get(node.type)
    except KeyError:
        return [Issue("unknown_type", f'Unknown element type "{node.type}"', node.id, "type"), *issues]

    config_errors = list(config_validator(element).iter_errors(node.config))
    if config_errors:
        # Content rules and exits assume a well-shaped config, so stop at the shape errors.
        return [
            Issue(
                "invalid_config",
                shorten_message(err.message),
                node.id,
                json_path(["config", *err.absolute_path]),
            )
            for err in config_errors
        ] + issues

    issues = element.validate(node) + issues
    expected = element.exits(node.config)
    for name in node.exits:
        if name not in expected:
            issues.append(
                Issue(
                    "unknown_exit",
                    f'"{name}" is not an exit of this {element.label}',
                    node.id,
                    f"exits.{name}",
                )
            )
    for name in expected:
        if node.exits.get(name) is None:
            issues.append(
                Issue("unwired_exit", element.unwired_message(node.config, name), node.id, f"exits.{name}")
            )
    return issues


def _destination_issues(node: Node, nodes: dict[str, Node], entry_ids: set[str]) -> list[Issue]:
    issues: list[Issue] = []
    for name, dest in node.exits.items():
        if dest is None:
            continue
        if dest not in nodes:
            message = f'Exit "{name}" leads to "{dest}", which is not in this flow'
            issues.append(Issue("unknown_destination", message, node.id, f"exits.{name}"))
        elif dest in entry_ids:
            message = f'Exit "{name}" leads to an entry point; entry points cannot follow other steps'
            issues.append(Issue("entry_as_destination", message, node.id, f"exits.{name}"))
    return issues


def _count_issues(nodes: dict[str, Node]) -> list[Issue]:
    """Issue on each node of a type beyond that type's `max_per_flow` (e.g. a second Predefined Audience)."""
    issues: list[Issue] = []
    counts: Counter[str] = Counter()
    for node in nodes.values():
        counts[node.type] += 1
        try:
            element = elements.get(node.type)
        except KeyError:
            continue
        if element.max_per_flow is not None and counts[node.type] > element.max_per_flow:
            limit = "one" if element.max_per_flow == 1 else str(element.max_per_flow)
            message = f"A flow can have only {limit} {element.label}"
            issues.append(Issue("too_many", message, node.id))
    return issues


def _reachable(nodes: dict[str, Node], entry_ids: set[str]) -> set[str]:
    reached = set(entry_ids)
    queue = deque(entry_ids)
    while queue:
        for dest in nodes[queue.popleft()].exits.values():
            if dest in nodes and dest not in reached:
                reached.add(dest)
                queue.append(dest)
    return reached
