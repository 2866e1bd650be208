import { describe, expect, it } from "vitest";
import { docToGraph, graphToDoc } from "./convert";
import { connectExit } from "./graph";
import type { FlowDoc } from "./types";

const welcome: FlowDoc = {
  spec_version: 1,
  settings: { reentry: "never" },
  nodes: [
    {
      id: "entry",
      type: "predefined_audience",
      config: { tags: [3], persons: [], update: "realtime" },
      exits: { next: "m1" },
    },
    {
      id: "m1",
      type: "message",
      config: {
        text: "Hi! Coming?",
        branding: "blue",
        buttons: [
          { id: "yes", caption: "Yes", action: "tel://123" },
          { id: "no", caption: "No" },
        ],
      },
      exits: { yes: "done", no: null },
      note: "kept",
    },
    { id: "done", type: "exit", config: { name: "Finished" }, exits: {} },
    { id: "later", type: "wait_duration", config: { seconds: 60 }, exits: { done: "done", timeout: null } },
  ],
  ui: {
    nodes: {
      entry: { x: 0, y: 0 },
      m1: { x: 100.5, y: 200, collapsed: true },
      done: { x: 400, y: 200 },
      later: { x: 400, y: 400 },
    },
    viewport: { x: -10, y: 20, zoom: 0.75 },
    theme: "dark",
  },
};

describe("docToGraph", () => {
  it("places nodes at their stored positions", () => {
    const { nodes } = docToGraph(welcome);
    expect(nodes.map((node) => [node.id, node.position])).toEqual([
      ["entry", { x: 0, y: 0 }],
      ["m1", { x: 100.5, y: 200 }],
      ["done", { x: 400, y: 200 }],
      ["later", { x: 400, y: 400 }],
    ]);
  });

  it("draws one edge per connected exit, from the exit's handle", () => {
    const { edges } = docToGraph(welcome);
    expect(edges.map((edge) => [edge.source, edge.sourceHandle, edge.target])).toEqual([
      ["entry", "next", "m1"],
      ["m1", "yes", "done"],
      ["later", "done", "done"],
    ]);
  });

  it("lays out nodes that have no stored position instead of stacking them", () => {
    const doc: FlowDoc = { ...welcome, ui: {} };
    const positions = docToGraph(doc).nodes.map((node) => `${node.position.x},${node.position.y}`);
    expect(new Set(positions).size).toBe(doc.nodes.length);
  });
});

describe("graphToDoc", () => {
  it("round-trips a document exactly, unknown keys and positions included", () => {
    const graph = docToGraph(welcome);
    expect(graphToDoc(welcome, graph, welcome.ui?.viewport)).toEqual(welcome);
  });

  it("keeps the loaded viewport when none is given and stores a new one when given", () => {
    const graph = docToGraph(welcome);
    expect(graphToDoc(welcome, graph).ui?.viewport).toEqual({ x: -10, y: 20, zoom: 0.75 });
    expect(graphToDoc(welcome, graph, { x: 5, y: 6, zoom: 2 }).ui?.viewport).toEqual({ x: 5, y: 6, zoom: 2 });
  });

  it("writes canvas edits back: a new connection, a moved node, and every exit even when unconnected", () => {
    const graph = docToGraph(welcome);
    const edges = connectExit(graph.edges, { source: "m1", sourceHandle: "no", target: "later", targetHandle: null });
    const nodes = graph.nodes.map((node) => (node.id === "done" ? { ...node, position: { x: 1, y: 2 } } : node));
    const doc = graphToDoc(welcome, { nodes, edges });

    expect(doc.nodes.find((node) => node.id === "m1")?.exits).toEqual({ yes: "done", no: "later" });
    expect(doc.ui?.nodes?.done).toEqual({ x: 1, y: 2 });
    expect(doc.ui?.nodes?.m1).toEqual({ x: 100.5, y: 200, collapsed: true });
  });

  it("drops a deleted node, its position and the exits that led to it", () => {
    const graph = docToGraph(welcome);
    const doc = graphToDoc(welcome, {
      nodes: graph.nodes.filter((node) => node.id !== "m1"),
      edges: graph.edges.filter((edge) => edge.source !== "m1" && edge.target !== "m1"),
    });
    expect(doc.nodes.map((node) => node.id)).toEqual(["entry", "done", "later"]);
    expect(doc.nodes[0]?.exits).toEqual({ next: null });
    expect(Object.keys(doc.ui?.nodes ?? {})).toEqual(["entry", "done", "later"]);
  });
});
