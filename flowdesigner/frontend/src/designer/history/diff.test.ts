import { describe, expect, it } from "vitest";
import type { FlowDoc, FlowDocNode } from "../types";
import { changedPaths, diffFlows } from "./diff";

function message(id: string, text: string, exits: Record<string, string | null> = {}): FlowDocNode {
  return { id, type: "message", config: { text, buttons: [{ id: "ok", caption: "OK" }] }, exits };
}

function doc(nodes: FlowDocNode[], positions: Record<string, { x: number; y: number }> = {}, extra = {}): FlowDoc {
  return { spec_version: 1, nodes, ui: { nodes: positions }, ...extra };
}

const v1 = doc(
  [
    { id: "start", type: "predefined_audience", config: { tags: [1] }, exits: { next: "ask" } },
    message("ask", "Coming on Friday?", { ok: "bye" }),
    { id: "bye", type: "exit", config: { name: "Done" }, exits: {} },
  ],
  { start: { x: 0, y: 0 }, ask: { x: 300, y: 0 }, bye: { x: 600, y: 0 } },
);

describe("diffFlows", () => {
  it("finds nothing between a document and itself", () => {
    const diff = diffFlows(v1, structuredClone(v1));
    expect(diff.nodes).toEqual([]);
    expect(diff.byId.size).toBe(0);
    expect([diff.linksAdded, diff.linksRemoved, diff.moved, diff.flowFields]).toEqual([[], [], [], []]);
  });

  it("lists a changed text by its path", () => {
    const v2 = structuredClone(v1);
    v2.nodes[1]!.config.text = "Coming on Saturday?";
    const diff = diffFlows(v1, v2);
    expect(diff.nodes).toEqual([{ id: "ask", type: "message", kind: "changed", fields: ["config.text"] }]);
    expect(diff.byId.get("ask")?.kind).toBe("changed");
  });

  it("names list items by index and keys inside them", () => {
    const v2 = structuredClone(v1);
    v2.nodes[1]!.config.buttons = [
      { id: "ok", caption: "Fine" },
      { id: "no", caption: "No" },
    ];
    expect(diffFlows(v1, v2).byId.get("ask")?.fields).toEqual(["config.buttons[0].caption", "config.buttons[1]"]);
  });

  it("reports added and removed elements, and the connections that came and went", () => {
    const v2 = doc(
      [
        { id: "start", type: "predefined_audience", config: { tags: [1] }, exits: { next: "ask" } },
        message("ask", "Coming on Friday?", { ok: "end" }),
        { id: "end", type: "exit", config: { name: "End" }, exits: {} },
      ],
      { start: { x: 0, y: 0 }, ask: { x: 300, y: 0 }, end: { x: 600, y: 0 } },
    );
    const diff = diffFlows(v1, v2);
    expect(diff.nodes.map((node) => [node.id, node.kind, node.fields])).toEqual([
      ["ask", "changed", ["exits.ok"]],
      ["end", "added", []],
      ["bye", "removed", []],
    ]);
    expect(diff.linksAdded).toEqual([{ source: "ask", exit: "ok", target: "end" }]);
    expect(diff.linksRemoved).toEqual([{ source: "ask", exit: "ok", target: "bye" }]);
  });

  it("flags a new or dropped exit name, and a changed type", () => {
    const v2 = structuredClone(v1);
    v2.nodes[0]!.exits = { next: "ask", other: null };
    v2.nodes[2]!.type = "end";
    const diff = diffFlows(v1, v2);
    // An exit added unconnected leads nowhere, as before: not a change.
    expect(diff.byId.has("start")).toBe(false);
    expect(diff.byId.get("bye")).toEqual({ id: "bye", type: "end", kind: "changed", fields: ["type"] });
    v2.nodes[0]!.exits = {};
    expect(diffFlows(v1, v2).byId.get("start")?.fields).toEqual(["exits.next"]);
  });

  it("keeps moves apart from changes", () => {
    const v2 = structuredClone(v1);
    v2.ui!.nodes!.ask = { x: 320, y: 40 };
    v2.ui!.viewport = { x: 5, y: 5, zoom: 2 };
    const diff = diffFlows(v1, v2);
    expect(diff.nodes).toEqual([]);
    expect(diff.moved).toEqual(["ask"]);
    expect(diff.flowFields).toEqual([]);
  });

  it("does not call a first stored position a move", () => {
    const unplaced = structuredClone(v1);
    delete unplaced.ui!.nodes!.bye;
    expect(diffFlows(unplaced, v1).moved).toEqual([]);
  });

  it("lists other node keys and flow-wide settings by name", () => {
    const v2 = doc(structuredClone(v1.nodes), v1.ui!.nodes as Record<string, { x: number; y: number }>, {
      settings: { priority: 5 },
      variables: [{ name: "score", type: "number" }],
    });
    v2.nodes[2]!.note = "Say bye";
    const older = doc(v1.nodes, {}, { settings: { priority: 1 } });
    const diff = diffFlows(older, v2);
    expect(diff.byId.get("bye")?.fields).toEqual(["note"]);
    expect(diff.flowFields).toEqual(["settings.priority", "variables"]);
  });
});

describe("changedPaths", () => {
  it("treats a missing key and null alike, and a type change as a change of that path", () => {
    expect(changedPaths({ a: null }, {}, "config")).toEqual([]);
    expect(changedPaths({ a: [1] }, { a: "1" }, "config")).toEqual(["config.a"]);
    expect(changedPaths(1, 2, "")).toEqual(["(whole)"]);
  });
});
