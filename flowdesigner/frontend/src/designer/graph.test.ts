import type { Edge } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { connectExit, DEFAULT_NODE_SIZE, exitEdge, freePosition, syncExitEdges } from "./graph";
import type { ElementNode } from "./types";

const edges: Edge[] = [exitEdge("m1", "yes", "a"), exitEdge("m1", "no", "b"), exitEdge("m2", "yes", "c")];

const targets = (list: Edge[]) => list.map((edge) => `${edge.source}.${edge.sourceHandle}->${edge.target}`);

describe("connectExit", () => {
  it("replaces the edge the exit had", () => {
    const next = connectExit(edges, { source: "m1", sourceHandle: "yes", target: "z", targetHandle: null });
    expect(targets(next)).toEqual(["m1.no->b", "m2.yes->c", "m1.yes->z"]);
  });

  it("ignores a connection that does not start at an exit", () => {
    expect(connectExit(edges, { source: "m1", sourceHandle: null, target: "z", targetHandle: null })).toEqual(edges);
  });
});

describe("syncExitEdges", () => {
  it("moves a renamed exit's edge to the new name, under the id the new exit would get", () => {
    const next = syncExitEdges(edges, "m1", ["si", "no"], { yes: "si" });
    expect(targets(next)).toEqual(["m1.si->a", "m1.no->b", "m2.yes->c"]);
    expect(next[0]?.id).toBe(exitEdge("m1", "si", "a").id);
  });

  it("drops the edges of exits that no longer exist, on that node only", () => {
    expect(targets(syncExitEdges(edges, "m1", ["no"]))).toEqual(["m1.no->b", "m2.yes->c"]);
  });

  it("handles a swap of two exit names", () => {
    const next = syncExitEdges(edges, "m1", ["yes", "no"], { yes: "no", no: "yes" });
    expect(targets(next)).toEqual(["m1.no->a", "m1.yes->b", "m2.yes->c"]);
  });

  it("gives back the same list when an edit leaves the exits as they were (a keystroke in a text)", () => {
    expect(syncExitEdges(edges, "m1", ["yes", "no"])).toBe(edges);
  });
});

describe("freePosition", () => {
  const at = (x: number, y: number, measured?: { width: number; height: number }): ElementNode => ({
    id: `${x},${y}`,
    type: "element",
    position: { x, y },
    data: { type: "exit", config: {}, extra: {}, storedExits: [] },
    ...(measured ? { measured } : {}),
  });
  type Box = { x: number; y: number; width: number; height: number };
  const overlap = (a: Box, b: Box) =>
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const boxAt = (p: { x: number; y: number }, size = DEFAULT_NODE_SIZE): Box => ({ ...p, ...size });

  it("keeps a free spot", () => {
    expect(freePosition([at(0, 0)], { x: 400, y: 400 })).toEqual({ x: 400, y: 400 });
    expect(freePosition([], { x: 10, y: 20 })).toEqual({ x: 10, y: 20 });
  });

  it("moves off a spot whose box overlaps a node, not only an exactly equal one", () => {
    const nodes = [at(100, 100), at(130, 130)];
    const placed = freePosition(nodes, { x: 100, y: 100 });
    for (const node of nodes) {
      expect(overlap(boxAt(placed), boxAt(node.position))).toBe(false);
    }
    // A box that merely overlaps a corner of a node is moved too.
    const nudged = freePosition([at(0, 0)], { x: 150, y: 80 });
    expect(overlap(boxAt(nudged), boxAt({ x: 0, y: 0 }))).toBe(false);
  });

  it("uses the nodes' measured sizes", () => {
    const tall = at(0, 0, { width: 220, height: 400 });
    // Below the default height, but inside the measured one.
    const placed = freePosition([tall], { x: 0, y: 200 });
    expect(overlap(boxAt(placed), { x: 0, y: 0, width: 220, height: 400 })).toBe(false);
  });

  it("goes to the nearest free spot, preferring the right when it is as near", () => {
    const square = { width: 220, height: 220 };
    // As far (240) to the right as below: the right wins.
    expect(freePosition([at(0, 0, square)], { x: 0, y: 0 }, square)).toEqual({ x: 240, y: 0 });
    // Below is nearer (140) than the right (240) for a default-sized node.
    expect(freePosition([at(0, 0)], { x: 0, y: 0 })).toEqual({ x: 0, y: 140 });
  });

  it("finds room among many stacked nodes", () => {
    const nodes = Array.from({ length: 12 }, (_, i) => at(i * 240, 0));
    const placed = freePosition(nodes, { x: 500, y: 0 });
    for (const node of nodes) {
      expect(overlap(boxAt(placed), boxAt(node.position))).toBe(false);
    }
    expect(Math.abs(placed.y)).toBeLessThanOrEqual(DEFAULT_NODE_SIZE.height + 40);
  });
});
