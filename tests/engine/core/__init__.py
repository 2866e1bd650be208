"""Engine core tests: pure Python, no database."""

import copy

_EXAMPLE = {
    "spec_version": 1,
    "nodes": [
        {
            "id": "entry",
            "type": "predefined_audience",
            "config": {"tags": [3], "persons": [12]},
            "exits": {"next": "m1"},
        },
        {
            "id": "m1",
            "type": "message",
            "config": {
                "text": "Hi! Coming?",
                "buttons": [{"id": "yes", "caption": "Yes"}, {"id": "no", "caption": "No"}],
            },
            "exits": {"yes": "m2", "no": "done"},
        },
        {
            "id": "m2",
            "type": "message",
            "config": {"text": "Great", "buttons": [{"id": "ok", "caption": "OK"}]},
            "exits": {"ok": "done"},
        },
        {"id": "done", "type": "exit", "config": {"name": "Finished"}, "exits": {}},
    ],
    "ui": {"nodes": {"m1": {"x": 100, "y": 200}}, "viewport": {"x": 0, "y": 0, "zoom": 1}},
}


def example_flow() -> dict:
    """A fresh copy of the flow from docs/flow-format.md: audience -> m1 (yes: m2, no: done) -> done."""
    return copy.deepcopy(_EXAMPLE)


def node(doc: dict, node_id: str) -> dict:
    """The raw node dict with that id, for tests to mutate."""
    return next(n for n in doc["nodes"] if n["id"] == node_id)


class RecordingAssets:
    """A stand-in for the Assets interface (engine.core.elements.Assets): records the changes asked of
    the person and refuses them with `refuse` (a reason) when set. Matches nobody."""

    def __init__(self, *, refuse: str | None = None) -> None:
        self.refuse = refuse
        self.changes: list[tuple] = []

    def person_matches(self, rules: dict) -> bool:
        return False

    def update_person(self, values: dict) -> str | None:
        self.changes.append(("update_person", values))
        return self.refuse

    def update_tags(self, add: tuple, remove: tuple) -> str | None:
        self.changes.append(("update_tags", add, remove))
        return self.refuse

    def save_answer(self, key: str, result: dict, display: str) -> str | None:
        self.changes.append(("save_answer", key, result, display))
        return self.refuse
