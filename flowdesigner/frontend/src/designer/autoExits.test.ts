import type { Edge } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { EXIT_HEIGHT, NODE_WIDTH, placeExits, type PlaceExitsOptions } from "./autoExits";
import { exitsOf } from "./elements";
import { exitEdge } from "./graph";
import type { ElementNode, JsonObject } from "./types";

function node(id: string, type: string, config: JsonObject, x: number, y: number, height?: number): ElementNode {
  return {
    id,
    type: "element",
    position: { x, y },
    data: { type, config, extra: {}, storedExits: [] },
    ...(height ? { measured: { width: NODE_WIDTH, height } } : {}),
  };
}

const options: PlaceExitsOptions = {
  exitsOf: (n) => exitsOf(n.data),
  newId: (taken) => {
    let n = 1;
    while (taken.has(`exit_${n}`)) n++;
    return `exit_${n}`;
  },
  config: { name: "Exit" },
};

const twoButtons = { text: "Hi", buttons: [{ id: "yes", caption: "Yes" }, { id: "no", caption: "No" }] };

type Box = { x: number; y: number; w: number; h: number };
const box = (n: ElementNode): Box => ({ x: n.position.x, y: n.position.y, w: n.measured?.width ?? NODE_WIDTH, h: n.measured?.height ?? EXIT_HEIGHT });
const apart = (a: Box, b: Box) => a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;

describe("placeExits", () => {
  it("adds an Exit after every unconnected exit, connected to it, and nothing for connected ones", () => {
    const nodes = [
      node("entry", "date_time", { attribute: "birth_date", operator: "is_today" }, 0, 0, 90),
      node("ask", "message", twoButtons, 400, 0, 120),
      node("done", "exit", { name: "Done" }, 800, 0, 70),
    ];
    const edges: Edge[] = [exitEdge("entry", "next", "ask"), exitEdge("ask", "yes", "done")];
    const placed = placeExits(nodes, edges, options);
    expect(placed.nodes.map((n) => n.id)).toEqual(["exit_1"]);
    expect(placed.nodes[0]?.data).toEqual({ type: "exit", config: { name: "Exit" }, extra: {}, storedExits: [] });
    expect(placed.edges).toEqual([exitEdge("ask", "no", "exit_1")]);
  });

  it("puts each Exit to the right of its node, clear of every node and of each other", () => {
    const nodes = [
      node("ask", "message", twoButtons, 0, 0, 120),
      // Right where the first Exit would go.
      node("wait", "wait", { mode: "duration", duration: { amount: 1, unit: "days" } }, 300, 0, 100),
    ];
    const placed = placeExits(nodes, [exitEdge("wait", "next", "ask")], options);
    expect(placed.edges.map((edge) => `${edge.source}.${edge.sourceHandle}->${edge.target}`)).toEqual([
      "ask.yes->exit_1",
      "ask.no->exit_2",
    ]);
    for (const exit of placed.nodes) {
      expect(exit.position.x).toBeGreaterThan(NODE_WIDTH); // right of "ask"
    }
    const all = [...nodes, ...placed.nodes].map(box);
    all.forEach((a, i) => all.slice(i + 1).forEach((b) => expect(apart(a, b)).toBe(true)));
  });

  it("takes no id twice, also not one already on the canvas", () => {
    const nodes = [node("exit_1", "exit", { name: "Old" }, 0, 400), node("ask", "message", twoButtons, 0, 0)];
    const placed = placeExits(nodes, [], options);
    expect(placed.nodes.map((n) => n.id)).toEqual(["exit_2", "exit_3"]);
    expect(new Set(placed.nodes.map((n) => n.data.config)).size).toBe(2); // each its own config object
  });

  it("adds nothing when every exit is connected", () => {
    const nodes = [node("a", "flow_api", {}, 0, 0), node("b", "exit", { name: "Done" }, 300, 0)];
    expect(placeExits(nodes, [exitEdge("a", "next", "b")], options)).toEqual({ nodes: [], edges: [] });
  });
});
