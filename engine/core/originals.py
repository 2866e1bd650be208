"""The original ids of an imported Rogerthat flow, kept in the flow document's `ui.rogerthat` section.

Rogerthat's ids are often too long or hold spaces for our format, so the import gives such elements and
buttons safe internal ids (flowdesigner/rogerthat/ids.py) and keeps every language's originals here: the
export writes them back, and the results a service receives name them (engine/results.py), as Rogerthat
would have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UI_KEY = "rogerthat"


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
    def of(cls, document: dict) -> Originals:
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
