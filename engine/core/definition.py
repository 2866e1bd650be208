"""Reading a flow document: migrate it to the current spec_version, check its structure, build nodes.

Structure only: graph and content rules are validate.py's job, so a draft with unwired exits still loads.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import elements, variables
from engine.core.issues import Issue
from engine.core.schema_check import SchemaChecker

SPEC_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("flow.schema.json")

# MIGRATIONS[n] upgrades a spec_version n document to n + 1. Add one when SPEC_VERSION goes up; the old
# step functions stay forever so every stored version still loads.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}


class DefinitionError(ValueError):
    """The document cannot be read as a flow at all. `issues` says why."""

    def __init__(self, issues: list[Issue]) -> None:
        super().__init__("; ".join(i.message for i in issues) or "Invalid flow definition")
        self.issues = issues


@dataclass(frozen=True)
class Node:
    """One placed element: `exits` maps exit name to destination node id (None while unwired)."""

    id: str
    type: str
    config: dict
    exits: dict[str, str | None]


@dataclass(frozen=True)
class FlowDefinition:
    """A loaded flow. `nodes` keeps document order."""

    spec_version: int
    nodes: dict[str, Node]
    language: str = "en"
    # language -> node id -> translated texts (e.g. {"text": ..., "buttons": {id: caption}})
    translations: dict = field(default_factory=dict)
    # variable name -> type (engine/core/variables.py)
    variables: dict[str, str] = field(default_factory=dict)
    # the flow's send window {"start", "end"} (HH:MM in the person's timezone), or None
    send_window: dict | None = None
    # variable name -> the value a participant starts with (declared defaults)
    variable_defaults: dict = field(default_factory=dict)
    # whether a person may enter again: "never", "after_leaving", "any_time" (the default: Rogerthat pokes
    # and launches always started a new run)
    reentry: str = "any_time"
    # 1 (lowest) to 5 (highest): which flow wins when the frequency cap lets only one entry in
    priority: int = 3
    # who end users see the flow's messages from; "" means the product's default (never the flow's name)
    sender_name: str = ""

    def translation(self, node_id: str, language: str | None) -> dict:
        """The translated texts of one node for a person's language; {} for the base language."""
        if not language or language == self.language:
            return {}
        return self.translations.get(language, {}).get(node_id, {})

    def node(self, id: str) -> Node:
        """The node with that id; KeyError if there is none."""
        return self.nodes[id]

    def entries(self) -> list[Node]:
        """Nodes whose element type is an entry point (unknown types are not)."""
        return list(self._entries)

    @functools.cached_property
    def _entries(self) -> tuple[Node, ...]:
        # Once per definition (definitions are cached per version): a launch asks for every person.
        entry_types = {t.type for t in elements.all_types() if t.category == "entry"}
        return tuple(n for n in self.nodes.values() if n.type in entry_types)

    def variable_type(self, name: str) -> str | None:
        """The declared type of a flow variable, or None when it is not declared."""
        return self.variables.get(name)


@functools.cache
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


@functools.cache
def _validator() -> SchemaChecker:
    return SchemaChecker(_schema())


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of a flow document, parsed from flow.schema.json."""
    return copy.deepcopy(_schema())


def migrate(doc: dict) -> dict:
    """Return a copy of `doc` upgraded to SPEC_VERSION; DefinitionError if its version is unusable."""
    if not isinstance(doc, dict):
        raise DefinitionError([Issue("invalid_document", "A flow definition must be a JSON object")])
    if "spec_version" not in doc:
        raise DefinitionError([Issue("missing_spec_version", "The flow definition has no spec_version")])
    version = doc["spec_version"]
    # bool is an int in Python; True must not pass for spec_version 1.
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise DefinitionError(
            [Issue("invalid_spec_version", f"spec_version must be a positive integer, not {version!r}")]
        )
    if version > SPEC_VERSION:
        raise DefinitionError(
            [
                Issue(
                    "unsupported_spec_version",
                    f"spec_version {version} is newer than this engine supports ({SPEC_VERSION})",
                )
            ]
        )
    doc = copy.deepcopy(doc)
    while doc["spec_version"] < SPEC_VERSION:
        doc = MIGRATIONS[doc["spec_version"]](doc)
    return doc


def current(doc: dict) -> dict:
    """`doc` itself when it is already at SPEC_VERSION (for readers that change nothing: no copy of a
    large document), else migrate(doc); DefinitionError as migrate() raises it."""
    if isinstance(doc, dict) and type(doc.get("spec_version")) is int and doc["spec_version"] == SPEC_VERSION:
        return doc
    return migrate(doc)


def schema_issues(doc: object) -> list[Issue]:
    """Every structural error of a (migrated) document, with `field` the path from the root."""
    return [
        Issue("schema", shorten_message(err.message), None, json_path(err.absolute_path))
        for err in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def load(doc: dict) -> FlowDefinition:
    """Migrate and structurally check `doc`, then build the definition. Does not run validate()."""
    doc = migrate(doc)
    issues = schema_issues(doc)
    if issues:
        raise DefinitionError(issues)
    nodes: dict[str, Node] = {}
    for raw in doc["nodes"]:
        if raw["id"] in nodes:
            # Ids are how exits point at nodes; with two of one there is no graph to build.
            issues.append(Issue("duplicate_id", f'Node id "{raw["id"]}" is used twice', raw["id"], "id"))
            continue
        nodes[raw["id"]] = Node(raw["id"], raw["type"], raw["config"], dict(raw["exits"]))
    if issues:
        raise DefinitionError(issues)
    settings = doc.get("settings") or {}
    return FlowDefinition(
        spec_version=doc["spec_version"],
        nodes=nodes,
        language=doc.get("language") or "en",
        translations=doc.get("translations") or {},
        variables={v["name"]: v["type"] for v in doc.get("variables") or []},
        send_window=settings.get("send_window"),
        variable_defaults=variables.defaults(doc.get("variables") or []),
        reentry=settings.get("reentry") or "any_time",
        priority=settings.get("priority") or 3,
        sender_name=(settings.get("sender_name") or "").strip(),
    )


def json_path(path: Iterable[str | int]) -> str | None:
    """["nodes", 0, "exits", "yes"] -> "nodes[0].exits.yes"; None for the root."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or None


def shorten_message(message: str, limit: int = 200) -> str:
    """Collapse whitespace and cap the length of a jsonschema error message."""
    # jsonschema quotes the offending value; a 10 kB text must not become a 10 kB message.
    message = re.sub(r"\s+", " ", message)
    return message if len(message) <= limit else message[: limit - 1] + "…"
