import { describe, expect, it } from "vitest";
// The server's registry, read as text: its BUILTINS tuple is the palette order of the element types.
import registrySource from "../../../../../engine/core/elements/__init__.py?raw";
import { ELEMENT_MODULES, elementModule, exitsOf } from ".";

function pythonBuiltins(source: string): string[] {
  const tuple = /^BUILTINS = \(([^)]*)\)/m.exec(source);
  if (!tuple?.[1]) {
    throw new Error("BUILTINS not found in engine/core/elements/__init__.py");
  }
  return [...tuple[1].matchAll(/"([a-z_]+)"/g)].map((match) => match[1]!);
}

describe("the canvas registry mirrors the engine's", () => {
  it("has a module for every element type the engine registers, in the engine's palette order", () => {
    expect(ELEMENT_MODULES.map((element) => element.type)).toEqual(pythonBuiltins(registrySource));
  });

  it("finds every module by its type", () => {
    for (const type of pythonBuiltins(registrySource)) {
      expect(elementModule(type)?.type).toBe(type);
    }
  });
});

/** Configs whose exits differ, per type: each is asked of the engine and of the canvas. */
const EXIT_CASES: Array<[string, Record<string, unknown>]> = [
  ["predefined_audience", { tags: [1] }],
  ["predefined_audience", { tags: [1], update: "realtime" }],
  ["profile_change", { rules: { op: "and", rules: [{ attribute: "birth_date", operator: "is_today" }] } }],
  ["people_event", { conditions: [{ event: "purchase", operator: "happened" }], save: [], include_historical: true }],
  ["date_time", { attribute: "birth_date", operator: "is_in", offset: { amount: 1, unit: "days" } }],
  ["flow_api", {}],
  ["existing_flow", {}],
  ["sftp_import", { connection: 1, path: "/", delimiter: "tab" }],
  ["inbound_message", { channel: "sms", recipient: "", conditions: [{ operator: "matches_text", values: ["yes"] }], capture: [] }],
  ["inbound_call", { recipient: "", variables: { call_id: "", from: "", to: "" } }],
  ["message", { text: "Hi", buttons: [{ id: "yes", caption: "Yes" }, { id: "no", caption: "No" }] }],
  ["message", { buttons: [{ id: "ok", caption: "OK" }], allow_dismiss: true, timeout: { amount: 2, unit: "days" } }],
  ["message", { buttons: [{ id: "ok", caption: "OK" }], timeout: null }],
  ["message", { buttons: [{ id: "ok", caption: "OK" }], channel: "sms", unrecognised: "other" }],
  [
    "message",
    { buttons: [{ id: "ok", caption: "OK" }], allow_dismiss: true, channel: "preferred", unrecognised: "other", timeout: { amount: 1, unit: "days" } },
  ],
  ["message", { buttons: [{ id: "ok", caption: "OK" }], channel: "web", unrecognised: "other" }],
  ["message", { buttons: [{ id: "ok", caption: "OK" }], channel: "email", unrecognised: "reprompt" }],
  ["form_message", { widget: { type: "text_line" }, channel: "email", unrecognised: "other" }],
  ["form_message", { widget: { type: "text_line" }, channel: "sms", unrecognised: "other", timeout: { amount: 1, unit: "hours" } }],
  ["form_message", { widget: { type: "text_line" } }],
  ["form_message", { widget: { type: "slider" }, timeout: { amount: 30, unit: "minutes" } }],
  [
    "evaluate_reply",
    {
      branches: [
        { id: "b1", name: "Yes", conditions: [{ operator: "matches_text", values: ["yes"] }] },
        { id: "b2", name: "No", conditions: [] },
        { id: "b1", name: "Again", conditions: [] },
      ],
    },
  ],
  ["evaluate_reply", { branches: [{ id: "yes", name: "Yes", conditions: [] }], timeout: { amount: 2, unit: "days" } }],
  ["evaluate_reply", { branches: [], timeout: null }],
  ["wait", { mode: "duration", duration: { amount: 1, unit: "days" } }],
  ["wait", { mode: "until", until: "2030-01-01T09:00" }],
  ["wait", { mode: "attribute", attribute: "birth_date", offset: { amount: -1, unit: "days" } }],
  ["wait", { mode: "event", event: "purchase", timeout: { amount: 3, unit: "days" } }],
  ["condition_split", { branches: [] }],
  [
    "condition_split",
    {
      branches: [
        { id: "b1", name: "VIP", rules: { op: "and", rules: [] } },
        { id: "b2", name: "Rest", rules: { op: "or", rules: [] } },
        { id: "b1", name: "Again", rules: { op: "and", rules: [] } },
      ],
    },
  ],
  [
    "random_split",
    {
      branches: [
        { id: "a", name: "A", percent: 30 },
        { id: "b", name: "B", percent: 70 },
      ],
    },
  ],
  ["update_person", { updates: [{ attribute: "city", action: "clear" }] }],
  ["update_tags", { add: [1], remove: [2] }],
  ["call_url", { method: "GET", url: "https://example.com" }],
  ["add_to_flow", { flow: 3, entry: "existing_1" }],
  ["send_results", {}],
  ["email_results", { emails: [] }],
  ["exit", { name: "Done" }],
];

// Node's modules, imported by name at run time so the browser code's type check keeps no Node globals.
interface NodeModules {
  execFileSync(file: string, args: string[], options: { cwd: string; input: string; encoding: "utf8" }): string;
  existsSync(path: string): boolean;
}
const node: NodeModules = {
  ...((await import(/* @vite-ignore */ "node:child_process" as string)) as Pick<NodeModules, "execFileSync">),
  ...((await import(/* @vite-ignore */ "node:fs" as string)) as Pick<NodeModules, "existsSync">),
};
const root = decodeURIComponent(new URL("../../../../../", import.meta.url).pathname);
const python = `${root}.venv/bin/python`;

describe.skipIf(!node.existsSync(python))("exits agree with the engine's exits()", () => {
  it("for every type, whatever the config", () => {
    const script =
      "import json, sys\nfrom engine.core import elements\n" +
      "print(json.dumps([elements.get(t).exits(c) for t, c in json.load(sys.stdin)]))";
    const engine = JSON.parse(
      node.execFileSync(python, ["-c", script], { cwd: root, input: JSON.stringify(EXIT_CASES), encoding: "utf8" }),
    ) as string[][];
    const canvas = EXIT_CASES.map(([type, config]) => exitsOf({ type, config, storedExits: [] }).map((exit) => exit.name));
    expect(canvas).toEqual(engine);
  });
});
