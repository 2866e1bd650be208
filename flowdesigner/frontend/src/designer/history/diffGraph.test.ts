import { describe, expect, it } from "vitest";
import type { FlowDoc } from "../types";
import { diffFlows } from "./diff";
import { diffGraph } from "./diffGraph";

const ok = { id: "ok", caption: "OK" };

const older: FlowDoc = {
  spec_version: 1,
  nodes: [
    { id: "ask", type: "message", config: { text: "Hi", buttons: [ok] }, exits: { ok: "bye" } },
    { id: "bye", type: "exit", config: { name: "Bye" }, exits: {} },
  ],
  ui: { nodes: { ask: { x: 0, y: 0 }, bye: { x: 300, y: 0 } } },
};

const newer: FlowDoc = {
  spec_version: 1,
  nodes: [
    { id: "ask", type: "message", config: { text: "Hello", buttons: [ok] }, exits: { ok: "end" } },
    { id: "end", type: "exit", config: { name: "End" }, exits: {} },
  ],
  ui: { nodes: { ask: { x: 0, y: 0 }, end: { x: 300, y: 200 } } },
};

describe("diffGraph", () => {
  it("draws the newer side with the removed elements and connections of the older one, marked", () => {
    const { nodes, edges } = diffGraph(older, newer, diffFlows(older, newer));

    expect(nodes.map((node) => [node.id, node.data.change, node.position])).toEqual([
      ["ask", "changed", { x: 0, y: 0 }],
      ["end", "added", { x: 300, y: 200 }],
      ["bye", "removed", { x: 300, y: 0 }],
    ]);
    expect(nodes[0]!.data.fields).toEqual(["config.text", "exits.ok"]);
    expect(nodes.every((node) => node.draggable === false && node.connectable === false)).toBe(true);
    expect(edges.map((edge) => [edge.source, edge.sourceHandle, edge.target, edge.className])).toEqual([
      ["ask", "ok", "end", "history-edge-added"],
      ["ask", "ok", "bye", "history-edge-removed"],
    ]);
    expect(new Set(edges.map((edge) => edge.id)).size).toBe(edges.length);
  });

  it("marks nothing when the sides are equal", () => {
    const { nodes, edges } = diffGraph(older, older, diffFlows(older, older));
    expect(nodes.map((node) => node.data.change)).toEqual([null, null]);
    expect(edges.map((edge) => edge.className)).toEqual([undefined]);
  });
});
