import type { Edge } from "@xyflow/react";
import { exitsOf } from "./elements";
import { exitEdge, exitEdgeId } from "./graph";
import type { ElementNode, FlowDoc, FlowDocNode, Graph, Viewport, XY } from "./types";

const FALLBACK_COLUMN_WIDTH = 260;

/** Canvas nodes and edges for a flow document. Edges are drawn for exits that lead somewhere. */
export function docToGraph(doc: FlowDoc): Graph {
  const positions = doc.ui?.nodes ?? {};
  const nodes = doc.nodes.map((node, index): ElementNode => {
    const { id, type, config, exits, ...extra } = node;
    const stored = positions[id];
    return {
      id,
      type: "element",
      position: stored ? { x: stored.x, y: stored.y } : fallbackPosition(index),
      data: { type, config, extra, storedExits: Object.keys(exits) },
    };
  });
  const edges = doc.nodes.flatMap((node): Edge[] =>
    exitsOf({ type: node.type, config: node.config, storedExits: Object.keys(node.exits) }).flatMap((exit) => {
      const target = node.exits[exit.name];
      return target ? [exitEdge(node.id, exit.name, target)] : [];
    }),
  );
  return { nodes, edges };
}

/** Nodes the document has no position for are laid out in a row. */
function fallbackPosition(index: number): XY {
  return { x: index * FALLBACK_COLUMN_WIDTH, y: 0 };
}

/**
 * The flow document for the canvas state, built on `base` (the document as loaded) so that keys this
 * front end does not know, at any level, come back unchanged. `viewport` undefined keeps base's.
 */
export function graphToDoc(base: FlowDoc, graph: Graph, viewport?: Viewport): FlowDoc {
  const { nodes: _baseNodes, ui: baseUi = {}, ...rest } = base;
  const targets = new Map(graph.edges.map((edge) => [edge.id, edge.target]));
  const nodes = graph.nodes.map(
    (node): FlowDocNode => ({
      id: node.id,
      type: node.data.type,
      config: node.data.config,
      exits: Object.fromEntries(
        exitsOf(node.data).map((exit) => [exit.name, targets.get(exitEdgeId(node.id, exit.name)) ?? null]),
      ),
      ...node.data.extra,
    }),
  );
  const uiNodes = Object.fromEntries(
    graph.nodes.map((node) => [node.id, { ...baseUi.nodes?.[node.id], x: node.position.x, y: node.position.y }]),
  );
  return {
    ...rest,
    nodes,
    ui: { ...baseUi, nodes: uiNodes, ...(viewport ? { viewport } : {}) },
  };
}
