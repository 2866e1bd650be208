"""The engine's element registry as the canvas must mirror it, kept in a committed JSON fixture.

flowdesigner/frontend/src/designer/elements/registry.parity.json holds what the Python side says: the
element types in palette order, each type's defaults, the exits of representative configs, the form
message widgets with their defaults, and the message alert types and intervals. Both sides check it in
every run: test_registry_parity.py that the fixture is what the Python registry says now, and the
vitest registry.test.ts that the canvas registry agrees with the fixture.

After changing the Python side, rewrite the fixture (then fix the canvas until the vitest passes):

    .venv/bin/python -m tests.engine.core.registry_parity

To ask about another config's exits, add {"type": ..., "config": ...} to the fixture's "exits" and run
the same command: it fills in the engine's exits.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from engine.core import elements, widgets
from engine.core.elements import message

FIXTURE = (
    Path(__file__).resolve().parents[3] / "flowdesigner/frontend/src/designer/elements/registry.parity.json"
)
ABOUT = (
    "What the engine's element registry says, for the canvas registry to agree with (registry.test.ts). "
    "Written by `.venv/bin/python -m tests.engine.core.registry_parity`, checked by "
    "tests/engine/core/test_registry_parity.py; edit only the configs under exits."
)


def engine_view(cases: list[dict]) -> dict:
    """The fixture's content as the Python registry says it now, for the exit cases `cases` (each
    {"type", "config", ...}; a case of an unknown type raises KeyError naming it)."""
    return {
        "about": ABOUT,
        "types": [t.type for t in elements.all_types()],
        "defaults": {t.type: t.defaults() for t in elements.all_types()},
        "exits": [
            {"type": c["type"], "config": c["config"], "exits": elements.get(c["type"]).exits(c["config"])}
            for c in cases
        ],
        "widgets": {"types": list(widgets.WIDGET_TYPES), "defaults": widgets.DEFAULTS},
        "alerts": {"types": list(message.ALERT_TYPES), "intervals": list(message.ALERT_INTERVALS)},
    }


def read_fixture() -> dict:
    return json.loads(FIXTURE.read_text())


def render(view: dict) -> str:
    return json.dumps(view, indent=2) + "\n"


def main() -> None:
    FIXTURE.write_text(render(engine_view(read_fixture()["exits"])))
    print(f"wrote {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
