import { describe, expect, it } from "vitest";
import type { JsonObject } from "../types";
// What the engine's registry says (engine/core/elements/), written by tests/engine/core/registry_parity.py
// and checked against the Python registry by tests/engine/core/test_registry_parity.py in every pytest run.
import fixtureSource from "./registry.parity.json?raw";
import { ALERT_INTERVALS, ALERT_TYPES } from "./message/config";
import { WIDGET_TYPES, widgetDefaults } from "./form_message/widgets";
import { ELEMENT_MODULES, elementModule, exitsOf } from ".";

interface EngineRegistry {
  types: string[];
  defaults: Record<string, JsonObject>;
  exits: Array<{ type: string; config: JsonObject; exits: string[] }>;
  widgets: { types: string[]; defaults: Record<string, JsonObject> };
  alerts: { types: string[]; intervals: string[] };
}

const engine = JSON.parse(fixtureSource) as EngineRegistry;
const FIXTURE_HINT =
  "registry.parity.json is the engine's registry (tests/engine/core/test_registry_parity.py keeps it so): " +
  "change the canvas registry to agree";

describe("the canvas registry mirrors the engine's", () => {
  it("has a module for every element type the engine registers, in the engine's palette order", () => {
    expect(ELEMENT_MODULES.map((element) => element.type), FIXTURE_HINT).toEqual(engine.types);
    for (const type of engine.types) {
      expect(elementModule(type)?.type, `no canvas module for "${type}"`).toBe(type);
    }
  });

  it("gives every config the engine's exits, in the engine's order", () => {
    const canvas = engine.exits.map(({ type, config }) => ({
      type,
      config,
      exits: exitsOf({ type, config, storedExits: [] }).map((exit) => exit.name),
    }));
    expect(canvas, FIXTURE_HINT).toEqual(engine.exits);
  });

  it("starts a new node from the engine's defaults: every default the canvas sets is the engine's", () => {
    // A new node's config is the canvas defaults with the server's laid over them (initialConfig), so
    // the canvas may set fewer keys than the engine but never another value or a key the engine lacks.
    const disagreements = ELEMENT_MODULES.flatMap((element) =>
      Object.entries(element.defaults)
        .filter(([key, value]) => !isDeepEqual(value, engine.defaults[element.type]?.[key]))
        .map(([key, value]) => ({
          type: element.type,
          key,
          canvas: value,
          engine: engine.defaults[element.type]?.[key] ?? "(no such default)",
        })),
    );
    expect(disagreements, FIXTURE_HINT).toEqual([]);
  });

  it("offers the engine's form message widgets, each with the engine's option defaults", () => {
    expect([...WIDGET_TYPES], FIXTURE_HINT).toEqual(engine.widgets.types);
    const canvas = Object.fromEntries(
      WIDGET_TYPES.map((type) => {
        const { type: _type, ...options } = widgetDefaults(type);
        return [type, options];
      }),
    );
    expect(canvas, FIXTURE_HINT).toEqual(engine.widgets.defaults);
  });

  it("offers the engine's message alert types and repeat intervals", () => {
    expect([...ALERT_TYPES], FIXTURE_HINT).toEqual(engine.alerts.types);
    expect([...ALERT_INTERVALS], FIXTURE_HINT).toEqual(engine.alerts.intervals);
  });
});

/** Equal as JSON values, whatever the order of their keys (Python and TypeScript may write them differently). */
function isDeepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortedKeys(a)) === JSON.stringify(sortedKeys(b));
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortedKeys);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, sortedKeys(item)]),
    );
  }
  return value;
}
