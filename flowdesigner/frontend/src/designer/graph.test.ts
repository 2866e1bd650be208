import type { Edge } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { connectExit, exitEdge, freePosition, syncExitEdges } from "./graph";
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
});

describe("freePosition", () => {
  const at = (x: number, y: number): ElementNode => ({
    id: `${x},${y}`,
    type: "element",
    position: { x, y },
    data: { type: "exit", config: {}, extra: {}, storedExits: [] },
  });

  it("keeps a free spot and moves off occupied ones", () => {
    expect(freePosition([at(0, 0)], { x: 100, y: 100 })).toEqual({ x: 100, y: 100 });
    expect(freePosition([at(100, 100), at(130, 130)], { x: 100, y: 100 })).toEqual({ x: 160, y: 160 });
  });
});
