"""The committed registry fixture is what the engine's element registry says now (the Python half of the
registry parity check; the canvas half is flowdesigner/frontend/src/designer/elements/registry.test.ts,
which checks the canvas registry against the same fixture)."""

import pytest

from tests.engine.core.registry_parity import FIXTURE, engine_view, read_fixture

REWRITE = "run `.venv/bin/python -m tests.engine.core.registry_parity`, then make the canvas agree"


def test_the_registry_fixture_is_what_the_engine_says():
    committed = read_fixture()
    current = engine_view(committed["exits"])
    stale = [
        f"{section}: {detail}"
        for section in current
        for detail in _differences(committed.get(section), current[section])
    ]
    if stale:
        summary = f"{FIXTURE.name} disagrees with the engine's registry; {REWRITE} (registry.test.ts)."
        pytest.fail(summary + "\n" + "\n".join(stale[:20]))


def _differences(committed, current) -> list[str]:
    """Where the fixture's section differs from the engine's, one readable line each."""
    if committed == current:
        return []
    if isinstance(committed, dict) and isinstance(current, dict):
        return [
            f"{key}: fixture {committed.get(key, '(missing)')!r}, engine {current.get(key, '(missing)')!r}"
            for key in sorted(set(committed) | set(current))
            if committed.get(key) != current.get(key)
        ]
    if isinstance(committed, list) and isinstance(current, list) and len(committed) == len(current):
        pairs = enumerate(zip(committed, current, strict=True))
        return [f"#{i}: fixture {a!r}, engine {b!r}" for i, (a, b) in pairs if a != b]
    return [f"fixture {committed!r}, engine {current!r}"]


def test_the_fixture_asks_for_the_exits_of_every_element_type():
    # Without a case, a new element type's exits would go unchecked on the canvas.
    fixture = read_fixture()
    asked = {case["type"] for case in fixture["exits"]}
    missing = [t for t in fixture["types"] if t not in asked]
    assert not missing, f"add an exits case for {missing} to {FIXTURE.name}, then {REWRITE}"
