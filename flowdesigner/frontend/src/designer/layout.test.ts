import Elk from "elkjs/lib/elk.bundled.js";
import { describe, expect, it } from "vitest";
import { elkGraph, layoutPositions, needsLayout, topLeft, type LayoutEdge, type LayoutNode } from "./layout";
import type { FlowDoc, XY } from "./types";

// Node has no web workers: the same ELK, in-process.
const elk = new Elk();
const layout = (nodes: LayoutNode[], edges: LayoutEdge[], origin?: XY) => layoutPositions(nodes, edges, origin, elk);

const node = (id: string, exits: string[] = [], height = 100): LayoutNode => ({ id, width: 220, height, exits });

interface Box {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

function boxes(nodes: LayoutNode[], positions: Map<string, { x: number; y: number }>): Box[] {
  return nodes.map((n) => ({ id: n.id, width: n.width, height: n.height, ...positions.get(n.id)! }));
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe("layoutPositions", () => {
  it("places every node left to right along the connections, without overlaps", async () => {
    const nodes = [node("start", ["next"]), node("ask", ["yes", "no"], 160), node("happy"), node("sad")];
    const edges = [
      { source: "start", sourceHandle: "next", target: "ask" },
      { source: "ask", sourceHandle: "yes", target: "happy" },
      { source: "ask", sourceHandle: "no", target: "sad" },
    ];
    const positions = await layout(nodes, edges);
    expect([...positions.keys()].sort()).toEqual(["ask", "happy", "sad", "start"]);
    const p = (id: string) => positions.get(id)!;
    expect(p("ask").x).toBeGreaterThanOrEqual(p("start").x + 220);
    expect(p("happy").x).toBeGreaterThanOrEqual(p("ask").x + 220);
    // Exit order: the first exit's target is above the second's.
    expect(p("happy").y).toBeLessThan(p("sad").y);
    const placed = boxes(nodes, positions);
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) {
        expect(overlaps(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
  });

  it("follows exit order even when the edges are listed the other way round", async () => {
    const nodes = [node("split", ["a", "b", "c"]), node("x"), node("y"), node("z")];
    const edges = [
      { source: "split", sourceHandle: "c", target: "x" },
      { source: "split", sourceHandle: "b", target: "y" },
      { source: "split", sourceHandle: "a", target: "z" },
    ];
    const positions = await layout(nodes, edges);
    const ys = ["z", "y", "x"].map((id) => positions.get(id)!.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
  });

  it("keeps nodes stacked on one spot and unconnected apart, using their sizes", async () => {
    const nodes = Array.from({ length: 12 }, (_, i) => node(`n${i}`, [], 60 + i * 10));
    const positions = await layout(nodes, []);
    const placed = boxes(nodes, positions);
    for (const [i, a] of placed.entries()) {
      for (const b of placed.slice(i + 1)) {
        expect(overlaps(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
      }
    }
  });

  it("starts the laid-out flow at the origin given", async () => {
    const edges = [{ source: "a", sourceHandle: "n", target: "b" }];
    const positions = await layout([node("a", ["n"]), node("b")], edges, { x: 500, y: -40 });
    expect(topLeft([...positions.values()])).toEqual({ x: 500, y: -40 });
  });

  it("ignores edges to nodes it was not given and answers nothing for no nodes", async () => {
    const positions = await layout([node("a", ["n"])], [{ source: "a", sourceHandle: "n", target: "gone" }]);
    expect(positions.get("a")).toEqual({ x: 0, y: 0 });
    expect((await layout([], [])).size).toBe(0);
  });
});

describe("elkGraph", () => {
  it("gives each exit its own port on the right, in exit order", () => {
    const graph = elkGraph([node("ask", ["yes", "no"]), node("b")], [{ source: "ask", sourceHandle: "no", target: "b" }]);
    const ask = graph.children![0]!;
    expect(ask.ports!.map((port) => port.layoutOptions)).toEqual([
      { "elk.port.side": "WEST" },
      { "elk.port.side": "EAST", "elk.port.index": "0" },
      { "elk.port.side": "EAST", "elk.port.index": "1" },
    ]);
    expect(graph.edges).toEqual([
      { id: "edge-0", sources: [JSON.stringify(["out", "ask", "no"])], targets: [JSON.stringify(["in", "b"])] },
    ]);
  });
});

describe("needsLayout", () => {
  const doc = (ui?: FlowDoc["ui"]): FlowDoc => ({
    spec_version: 1,
    nodes: [
      { id: "a", type: "message", config: {}, exits: {} },
      { id: "b", type: "exit", config: {}, exits: {} },
    ],
    ...(ui ? { ui } : {}),
  });

  it("is true for elements without any saved position", () => {
    expect(needsLayout(doc())).toBe(true);
    expect(needsLayout(doc({ viewport: { x: 0, y: 0, zoom: 1 } }))).toBe(true);
    expect(needsLayout(doc({ nodes: { gone: { x: 1, y: 2 } } }))).toBe(true);
  });

  it("is false when someone placed any element, or when there is nothing to place", () => {
    expect(needsLayout(doc({ nodes: { a: { x: 1, y: 2 } } }))).toBe(false);
    expect(needsLayout({ spec_version: 1, nodes: [] })).toBe(false);
  });
});
