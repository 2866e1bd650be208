"""Rogerthat ids and the ids of our flow format.

Rogerthat's designer writes ids such as "base64:eyJsYW5nIjogIm5sIiwgLi4ufQ==": base64 of a JSON object
that names the language, 199 to 230+ characters long, and some ids contain spaces. Our node ids, exit names
and button ids are identifiers of at most 200 characters from a small alphabet (engine/core/flow.schema.json,
engine/core/elements/message.py). An id that is a short identifier is used as it is; any other gets a safe
internal id made from the element's kind and position ("message_2", "button_1"). The original ids of every
language are kept in the document's `ui.rogerthat` section (see `Originals`), so export writes them back.
"""

import re
from collections import Counter
from dataclasses import dataclass, field

# Shorter than the format's 200: an id kept as is must leave room to read it on the canvas and in results.
MAX_KEPT_ID = 80
SAFE_ID = re.compile(rf"[A-Za-z0-9_.:=+/-]{{1,{MAX_KEPT_ID}}}")
# Exit names with a meaning of their own on a message; a Rogerthat answer id may not take them.
RESERVED_EXITS = frozenset({"dismiss", "other", "no_answer", "positive", "negative", "next"})
UI_KEY = "rogerthat"


def is_safe(original: str) -> bool:
    """Whether a Rogerthat id can be used as our id unchanged."""
    return bool(SAFE_ID.fullmatch(original))


def internal_ids(items: list[tuple[str, str]], reserved: frozenset[str] = frozenset()) -> list[str]:
    """One internal id per (original id, kind prefix), in order: the original when it is safe and not
    reserved, else `<prefix>_<n>` (the n-th of that prefix), made unique against every id kept as is."""
    kept = {original for original, _ in items if is_safe(original) and original not in reserved}
    taken = kept | set(reserved)
    counts: Counter[str] = Counter()
    out = []
    for original, prefix in items:
        counts[prefix] += 1
        if original in kept:
            out.append(original)
            continue
        chosen, again = f"{prefix}_{counts[prefix]}", 1
        while chosen in taken:
            again += 1
            chosen = f"{prefix}_{counts[prefix]}_{again}"
        taken.add(chosen)
        out.append(chosen)
    return out


def shown(original: str) -> str:
    """An id short enough for a message: a 230-character id would push the reason out of sight."""
    return original if len(original) <= 48 else f"{original[:32]}…{original[-8:]}"


@dataclass
class LanguageIds:
    """One language's original ids: internal node id -> original, and per node internal button -> original."""

    name: str
    nodes: dict[str, str] = field(default_factory=dict)
    answers: dict[str, dict[str, str]] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"name": self.name, "nodes": self.nodes, "answers": self.answers}


@dataclass
class Originals:
    """The original ids of every language, as stored in the flow document's `ui.rogerthat.languages`."""

    languages: dict[str, LanguageIds] = field(default_factory=dict)

    @classmethod
    def of(cls, document: dict) -> "Originals":
        """The originals kept in a flow document (none for a flow that was not imported)."""
        stored = ((document.get("ui") or {}).get(UI_KEY) or {}).get("languages") or {}
        out = cls()
        for language, data in stored.items():
            if isinstance(data, dict):
                out.languages[language] = LanguageIds(
                    name=data.get("name") or "",
                    nodes=dict(data.get("nodes") or {}),
                    answers={k: dict(v) for k, v in (data.get("answers") or {}).items()},
                )
        return out

    def as_json(self) -> dict:
        return {"languages": {language: ids.as_json() for language, ids in self.languages.items()}}

    def node(self, language: str, internal: str) -> str:
        """The original id of a node in a language; the internal id for a node added after the import."""
        ids = self.languages.get(language)
        return ids.nodes.get(internal, internal) if ids else internal

    def answer(self, language: str, node: str, internal: str) -> str:
        """The original id of a button in a language; the internal id for a button added later."""
        ids = self.languages.get(language)
        return ids.answers.get(node, {}).get(internal, internal) if ids else internal

    def name(self, language: str, default: str) -> str:
        ids = self.languages.get(language)
        return ids.name if ids and ids.name else default

    def internal_node(self, language: str, original: str) -> str | None:
        """The internal id of a language's original node id; None when it has none."""
        ids = self.languages.get(language)
        if ids is None:
            return None
        return next((internal for internal, o in ids.nodes.items() if o == original), None)

    def internal_answer(self, language: str, node: str, original: str) -> str | None:
        ids = self.languages.get(language)
        if ids is None:
            return None
        return next((internal for internal, o in ids.answers.get(node, {}).items() if o == original), None)
