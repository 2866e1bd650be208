"""Import a Rogerthat `messageFlowDefinitionSet`, a single definition or a `messageFlowRun` as a flow.

The first definition is the base language; every other definition must have the same elements wired the
same way (paired by structure, languages.py) and becomes a translation of the texts and captions. Ids
that our format cannot take are replaced by safe internal ids; the originals of every language are kept in
`ui.rogerthat` for export (ids.py). A `messageFlowRun` also gives the recorded runs of its members (runs.py).
Nothing is created unless the whole document imports: the function is pure and returns either a document
(with the warnings of the defaults it took) or all errors.
"""

from collections import Counter
from dataclasses import dataclass, field

from flowdesigner.rogerthat import languages as langs
from flowdesigner.rogerthat.ids import (
    RESERVED_EXITS,
    UI_KEY,
    LanguageIds,
    Originals,
    internal_ids,
    shown,
)
from flowdesigner.rogerthat.nodes import (
    KINDS,
    UNSUPPORTED,
    Problems,
    boolean,
    children,
    node,
    tag,
    where,
)
from flowdesigner.rogerthat.runs import is_run, recorded_runs
from flowdesigner.rogerthat.schema import parse

ENTRY_ID = "rogerthat_start"
# Rogerthat's default language (rogerthat.consts.DEFAULT_LANGUAGE), taken by a definition that names none.
DEFAULT_LANGUAGE = "en"
ROOTS = ("messageFlowDefinitionSet", "messageFlowRun", "messageFlowDefinition", "definition")


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
    # The defaults taken for attributes real exports leave out (shown to the user; the import goes on).
    warnings: list[str] = field(default_factory=list)
    # The recorded member runs of a messageFlowRun (see runs.py for their shape).
    runs: list[dict] = field(default_factory=list)


def import_xml(data: bytes) -> ImportedFlow:
    """Map Rogerthat XML onto a flow document, or raise RogerthatImportError with every problem."""
    try:
        parsed = parse(data)
    except ValueError as exc:
        raise RogerthatImportError([str(exc)]) from None
    root = parsed.root
    if parsed.errors:
        # The importer's own checks still run, so a broken file lists its bad references too.
        errors = _schema_errors(parsed)
        if tag(root) in ROOTS:
            for prefix, definition_el in _prefixed(_definitions(root)):
                errors.extend(_reference_errors(definition_el, prefix))
        raise RogerthatImportError(errors)
    if tag(root) not in ROOTS:
        raise RogerthatImportError([f"<{tag(root)}> is not a Rogerthat flow definition"])

    problems = Problems()
    definitions = _definitions(root)
    languages = _languages(definitions, problems)
    structures = []
    for i, (prefix, definition_el) in enumerate(_prefixed(definitions, languages)):
        problems.errors.extend(_reference_errors(definition_el, prefix))
        # Only the base's options are used (the others give texts), so only its defaults are worth a warning.
        found = problems if i == 0 else Problems(errors=problems.errors)
        structures.append(_structure(definition_el, found, prefix))
    if problems.errors:
        raise RogerthatImportError(problems.errors)

    base_el, base = definitions[0], structures[0]
    start = base_el.get("startReference") or next(
        (n["id"] for n in base if n["type"] in ("message", "form_message")), None
    )
    pairings = {languages[0]: _identity(base)}
    texts: dict[str, dict] = {}
    for definition_el, language, nodes in zip(definitions[1:], languages[1:], structures[1:], strict=True):
        pairing = langs.pair(base, nodes, language, problems)
        if pairing is None:
            continue
        own_start = definition_el.get("startReference")
        if own_start is not None and start is not None and pairing.nodes.get(start) != own_start:
            problems.errors.append(
                f'[{language}] <definition name="{definition_el.get("name")}">: startReference '
                f'"{shown(own_start)}" is not the twin of the base language\'s start "{shown(start)}"'
            )
        pairings[language] = pairing
        texts[language] = langs.translation(base, nodes, pairing, language, problems)
    if problems.errors:
        raise RogerthatImportError(problems.errors)

    node_ids, answer_ids = _internal_ids(base)
    originals = Originals(
        {
            # The base's name is the flow's name (which may change); the others keep their own.
            language: _language_ids(
                definitions[i].get("name") or "" if i else "", pairings[language], node_ids, answer_ids
            )
            for i, language in enumerate(languages)
        }
    )
    nodes = [_renamed(n, node_ids, answer_ids) for n in base]
    entry = {
        "id": ENTRY_ID,
        "type": "predefined_audience",
        "config": {"tags": [], "persons": []},
        "exits": {"next": node_ids.get(start) if start is not None else None},
    }
    document = {
        "spec_version": 1,
        "language": languages[0],
        "nodes": [entry, *nodes],
        "ui": {"nodes": _layout([entry, *nodes]), UI_KEY: originals.as_json()},
    }
    translations = {
        language: {node_ids[b]: _renamed_texts(t, answer_ids.get(b, {})) for b, t in by_node.items()}
        for language, by_node in texts.items()
    }
    if translations:
        document["translations"] = translations
    runs = []
    if is_run(root):
        runs = recorded_runs(
            root,
            originals=originals,
            base_language=languages[0],
            node_types={n["id"]: n["type"] for n in nodes},
            problems=problems,
        )
        if problems.errors:
            raise RogerthatImportError(problems.errors)
    return ImportedFlow(
        name=base_el.get("name"),
        language=languages[0],
        definition=document,
        languages=languages,
        warnings=problems.warnings,
        runs=runs,
    )


def _definitions(root) -> list:
    if tag(root) in ("messageFlowDefinitionSet", "messageFlowRun"):
        return children(root, "definition")
    return [root]


def _prefixed(definitions: list, languages: list[str] | None = None) -> list[tuple[str, object]]:
    """Each definition with the prefix of its messages: none for the base, "[fr] " for the others."""
    out = []
    for i, el in enumerate(definitions):
        language = languages[i] if languages else el.get("language")
        out.append(("" if i == 0 else f"[{language or i + 1}] ", el))
    return out


def _languages(definitions: list, problems: Problems) -> list[str]:
    """The language of each definition; a first definition without one takes Rogerthat's default."""
    out: list[str] = []
    for i, el in enumerate(definitions):
        language = (el.get("language") or "").strip()
        at = f'<definition name="{el.get("name")}">'
        if not language and i == 0:
            problems.warnings.append(
                f'{at}: no language; taken as "{DEFAULT_LANGUAGE}" (Rogerthat\'s default)'
            )
            language = DEFAULT_LANGUAGE
        elif not language:
            problems.errors.append(f"{at} (definition {i + 1}): no language; every translation needs one")
            language = f"definition {i + 1}"
        elif language in out:
            problems.errors.append(f'{at}: the language "{language}" has two definitions')
        out.append(language)
    return out


def _structure(definition_el, problems: Problems, prefix: str) -> list[dict]:
    """Nodes of one <definition> with their original ids; unsupported elements are errors."""
    nodes: list[dict] = []
    for el in definition_el:
        kind = tag(el)
        if kind in UNSUPPORTED:
            problems.errors.append(f"{prefix}{where(el)}: {UNSUPPORTED[kind]}")
        elif kind in KINDS:
            nodes.append(node(el, problems, prefix))
    return nodes


def _references(el) -> list[tuple[str, str | None]]:
    """(exit label, referenced id) of every reference an element makes."""
    kind = tag(el)
    if kind == "message":
        out = [(a.get("id") or "answer", a.get("reference")) for a in children(el, "answer")]
        if boolean(el.get("allowDismiss")):
            out.append(("dismiss", el.get("dismissReference")))
        return out
    if kind == "formMessage":
        return [("positive", el.get("positiveReference")), ("negative", el.get("negativeReference"))]
    if kind in ("resultsFlush", "resultsEmail"):
        return [("next", el.get("reference"))]
    if kind == "flowCode":
        outlets = [(o.get("name") or "outlet", o.get("reference")) for o in children(el, "outlet")]
        return [("exception", el.get("exceptionReference")), *outlets]
    return []


def _reference_errors(definition_el, prefix: str) -> list[str]:
    """Duplicate ids, references to unknown ids and a bad startReference of one <definition>, read from the
    XML itself so they are reported even when the file also breaks the schema."""
    elements = [el for el in definition_el if isinstance(el.tag, str) and el.get("id") is not None]
    counts = Counter(el.get("id") for el in elements)
    errors = [f'{prefix}id "{shown(i)}" is used by more than one element' for i, n in counts.items() if n > 1]
    for el in elements:
        for label, target in _references(el):
            if not target:
                errors.append(f'{prefix}{where(el)}: "{shown(label)}" has no reference')
            elif target not in counts:
                errors.append(f'{prefix}{where(el)}: "{shown(label)}" refers to unknown id "{shown(target)}"')
    start = definition_el.get("startReference")
    if start is not None and start not in counts:
        errors.append(
            f'{prefix}<definition name="{definition_el.get("name")}">: startReference "{shown(start)}" '
            "is not an element id"
        )
    return errors


def _schema_errors(parsed) -> list[str]:
    """Schema errors, each naming the element (its id, or the nearest enclosing element with one)."""
    parents = {c: p for p in parsed.root.iter() for c in p}
    out = []
    for elem, reason in parsed.errors:
        out.append(f"not valid per MessageFlow.1.xsd: {_located(elem, parents)}: {reason}")
    return out


def _located(elem, parents: dict) -> str:
    if elem is None or not isinstance(elem.tag, str):
        return "document"
    owner = elem
    while owner is not None and owner.get("id") is None and tag(owner) not in ROOTS:
        owner = parents.get(owner)
    if owner is None:
        return where(elem)
    name = where(owner) if owner.get("id") is not None else f'<{tag(owner)} name="{owner.get("name") or ""}">'
    if tag(owner) == "definition":
        name = f'<definition language="{owner.get("language") or "?"}">'
    return name if owner is elem else f"{name} {where(elem)}"


def _identity(nodes: list[dict]) -> langs.Pairing:
    return langs.Pairing(
        nodes={n["id"]: n["id"] for n in nodes},
        answers={
            n["id"]: {b["id"]: b["id"] for b in n["config"]["buttons"]}
            for n in nodes
            if n["type"] == "message"
        },
    )


def _internal_ids(base: list[dict]) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Original -> internal ids of the base's nodes, and per node of its answers."""
    chosen = internal_ids([(n["id"], KINDS[_xml_kind(n)]) for n in base], reserved=frozenset({ENTRY_ID}))
    node_ids = dict(zip([n["id"] for n in base], chosen, strict=True))
    answer_ids = {}
    for n in base:
        if n["type"] == "message":
            originals = [b["id"] for b in n["config"]["buttons"]]
            internal = internal_ids([(o, "button") for o in originals], reserved=RESERVED_EXITS)
            answer_ids[n["id"]] = dict(zip(originals, internal, strict=True))
    return node_ids, answer_ids


def _xml_kind(n: dict) -> str:
    return langs.KIND_NAMES[n["type"]]


def _language_ids(name: str, pairing: langs.Pairing, node_ids: dict, answer_ids: dict) -> LanguageIds:
    return LanguageIds(
        name=name,
        nodes={node_ids[b]: original for b, original in pairing.nodes.items()},
        answers={
            node_ids[b]: {answer_ids[b][a]: original for a, original in by_answer.items()}
            for b, by_answer in pairing.answers.items()
        },
    )


def _renamed(n: dict, node_ids: dict[str, str], answer_ids: dict[str, dict[str, str]]) -> dict:
    """A node with internal ids: its own, its exits' targets, its buttons (a message's exit names)."""
    answers = answer_ids.get(n["id"], {})
    out = {
        "id": node_ids[n["id"]],
        "type": n["type"],
        "config": n["config"],
        "exits": {answers.get(name, name): node_ids[target] for name, target in n["exits"].items()},
    }
    if n["type"] == "message":
        out["config"] = {
            **n["config"],
            "buttons": [{**b, "id": answers[b["id"]]} for b in n["config"]["buttons"]],
        }
    return out


def _renamed_texts(texts: dict, answers: dict[str, str]) -> dict:
    if "buttons" not in texts:
        return texts
    return {**texts, "buttons": {answers[a]: caption for a, caption in texts["buttons"].items()}}


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
    for row, n in enumerate(n for n in nodes if n["id"] not in position):
        position[n["id"]] = {"x": column * 300, "y": row * 160}
    return position
