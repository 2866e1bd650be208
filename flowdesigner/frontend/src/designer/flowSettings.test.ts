import { describe, expect, it } from "vitest";
import { docToGraph, graphToDoc } from "./convert";
import { applyFlowSettings, readFlowSettings, senderNameProblem, sendWindowSummary } from "./flowSettings";
import type { FlowDoc } from "./types";
import { declarationProblem, readVariables } from "./variables";

const defaults = { reentry: "any_time", priority: 3, senderName: "" } as const;

const plain: FlowDoc = {
  spec_version: 1,
  name: "Plain",
  nodes: [{ id: "done", type: "exit", config: { name: "Done" }, exits: {} }],
  ui: { nodes: { done: { x: 0, y: 0 } } },
};

const withSettings: FlowDoc = {
  ...plain,
  variables: [
    { name: "city", type: "text" },
    { name: "score", type: "number" },
  ],
  settings: { send_window: { start: "09:00", end: "20:00" }, later_setting: true },
  translations: { nl: {} },
};

/** The document the designer saves after `settings` were edited, as FlowEditor builds it. */
const saved = (base: FlowDoc, settings = readFlowSettings(base)) =>
  graphToDoc(applyFlowSettings(base, settings), docToGraph(base));

describe("flow settings", () => {
  it("read the variables and the send window", () => {
    expect(readFlowSettings(withSettings)).toEqual({
      variables: [
        { name: "city", type: "text" },
        { name: "score", type: "number" },
      ],
      sendWindow: { start: "09:00", end: "20:00" },
      ...defaults,
    });
    expect(readFlowSettings(plain)).toEqual({ variables: [], sendWindow: null, ...defaults });
  });

  it("save a flow unchanged when they are not touched, with or without them", () => {
    expect(saved(plain)).toEqual(plain);
    expect(saved(withSettings)).toEqual(withSettings);
  });

  it("save edited variables and window, keeping other settings and top-level keys", () => {
    const doc = saved(withSettings, {
      variables: [{ name: "city", type: "list" }],
      sendWindow: { start: "20:00", end: "08:00" },
      ...defaults,
    });
    expect(doc.variables).toEqual([{ name: "city", type: "list" }]);
    expect(doc.settings).toEqual({ send_window: { start: "20:00", end: "08:00" }, later_setting: true });
    expect(doc.translations).toEqual({ nl: {} });
  });

  it("add the keys to a flow that had none, and switch the window off as null", () => {
    const doc = saved(plain, {
      variables: [{ name: "vip", type: "boolean" }],
      sendWindow: { start: "09:00", end: "17:00" },
      ...defaults,
    });
    expect(doc.variables).toEqual([{ name: "vip", type: "boolean" }]);
    expect(doc.settings).toEqual({ send_window: { start: "09:00", end: "17:00" } });
    expect(saved(withSettings, { variables: [], sendWindow: null, ...defaults })).toMatchObject({
      variables: [],
      settings: { send_window: null, later_setting: true },
    });
  });

  it("read re-entry and priority, the engine's defaults when missing or out of range", () => {
    const doc = { ...plain, settings: { reentry: "never", priority: 5 } };
    expect(readFlowSettings(doc)).toMatchObject({ reentry: "never", priority: 5 });
    expect(readFlowSettings({ ...plain, settings: { reentry: "sometimes", priority: 9 } })).toMatchObject(defaults);
  });

  it("save re-entry and priority once they differ from the default, and keep them once stored", () => {
    const edited = saved(plain, { ...readFlowSettings(plain), reentry: "after_leaving", priority: 1 });
    expect(edited.settings).toEqual({ reentry: "after_leaving", priority: 1 });
    const stored = { ...plain, settings: { reentry: "never", priority: 4 } };
    expect(saved(stored, { ...readFlowSettings(stored), reentry: "any_time", priority: 3 }).settings).toEqual({
      reentry: "any_time",
      priority: 3,
    });
    expect(saved(withSettings).settings).toEqual(withSettings.settings);
  });

  it("read the sender name, empty when the flow has none or a malformed one", () => {
    expect(readFlowSettings({ ...plain, settings: { sender_name: "City of Gent" } }).senderName).toBe("City of Gent");
    expect(readFlowSettings(plain).senderName).toBe("");
    expect(readFlowSettings({ ...plain, settings: { sender_name: 42 } }).senderName).toBe("");
  });

  it("save the sender name once set, and keep the key once stored", () => {
    const named = saved(plain, { ...readFlowSettings(plain), senderName: "City of Gent" });
    expect(named.settings).toEqual({ sender_name: "City of Gent" });
    expect(saved(named, { ...readFlowSettings(named), senderName: "" }).settings).toEqual({ sender_name: "" });
    expect(saved(withSettings).settings).not.toHaveProperty("sender_name");
  });

  it("refuse a sender name the engine would refuse", () => {
    expect(senderNameProblem("City of Gent")).toBeNull();
    expect(senderNameProblem("")).toBeNull();
    expect(senderNameProblem("two\nlines")).toBe("The sender name must be one line.");
    expect(senderNameProblem("x".repeat(101))).toMatch(/longer than 100 characters/);
  });

  it("save each variable's default, and none when it is empty", () => {
    const doc = { ...plain, variables: [{ name: "city", type: "text", default: "Gent" }, { name: "n", type: "number", default: null }] };
    const read = readFlowSettings(doc);
    expect(read.variables).toEqual([
      { name: "city", type: "text", default: "Gent" },
      { name: "n", type: "number" },
    ]);
    const edited = saved(doc, {
      ...read,
      variables: [{ name: "city", type: "text" }, { name: "n", type: "number", default: 3 }],
    });
    expect(edited.variables).toEqual([
      { name: "city", type: "text" },
      { name: "n", type: "number", default: 3 },
    ]);
  });

  it("explain the send window in words", () => {
    expect(sendWindowSummary(null)).toBe("Messages are sent at any time.");
    expect(sendWindowSummary({ start: "09:00", end: "20:00" })).toBe(
      "Messages are sent between 09:00 and 20:00 in the person’s timezone; at other times they wait for the next opening.",
    );
    expect(sendWindowSummary({ start: "20:00", end: "08:00" })).toMatch(/between 20:00 and 08:00 \(over midnight\)/);
    expect(sendWindowSummary({ start: "09:00", end: "09:00" })).toMatch(/no restriction/);
    expect(sendWindowSummary({ start: "", end: "09:00" })).toBe("Write both times as HH:MM.");
  });
});

describe("variable declarations", () => {
  it("refuse bad and repeated names, as the engine", () => {
    const variables = readVariables([
      { name: "city", type: "text" },
      { name: "2fast", type: "number" },
      { name: "city", type: "list" },
      { name: "ok_too", type: "weird" },
    ]);
    expect(variables[3]).toEqual({ name: "ok_too", type: "text" });
    expect(declarationProblem(variables, 0)).toBeNull();
    expect(declarationProblem(variables, 1)).toMatch(/starts with a letter/);
    expect(declarationProblem(variables, 2)).toBe('The variable "city" is declared twice.');
  });
});
