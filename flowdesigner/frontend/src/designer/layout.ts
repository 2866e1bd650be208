/**
 * Auto-layout of a flow with ELK's layered algorithm (elkjs): left to right, each node's exits leaving
 * from its right side in exit order, using the nodes' real sizes so nothing overlaps.
 *
 * elkjs is about 1.6 MB of JavaScript and takes seconds on a flow of a thousand elements: it runs in a
 * web worker, loaded on first use only, so opening the designer does not pay for it and the page stays
 * responsive while it works.
 */
import type { ELK as ElkEngine, ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import type { Size } from "./graph";
import type { FlowDoc, XY } from "./types";

/** A node as the layout sees it: its box and its exit names, in the order the node lists them. */
export interface LayoutNode extends Size {
  id: string;
  exits: readonly string[];
}

/** A connection from one node's exit to another node. */
export interface LayoutEdge {
  source: string;
  sourceHandle?: string | null;
  target: string;
}

/** Room between columns: an edge's exit label sits in it. */
const COLUMN_GAP = 110;
/** Room between nodes of one column (and between unconnected parts of the flow). */
const ROW_GAP = 40;

const LAYOUT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": String(COLUMN_GAP),
  "elk.spacing.nodeNode": String(ROW_GAP),
  "elk.spacing.componentComponent": String(ROW_GAP * 2),
  // React Flow draws the edges itself: the cheapest routing is enough (orthogonal routing doubled the time).
  "elk.edgeRouting": "POLYLINE",
  // Fewer crossing-minimisation passes than the default 7: a 1,000-element flow in a few seconds, not 15.
  "elk.layered.thoroughness": "3",
  // Ties are broken by the document's order, so laying out twice gives the same picture.
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
};

/** What computes the layout: ELK, in a web worker in the browser (tests pass the in-process build). */
export type LayoutEngine = Pick<ElkEngine, "layout">;

let workerEngine: Promise<LayoutEngine> | null = null;

/** ELK in a web worker, loaded on first use. */
function browserEngine(): Promise<LayoutEngine> {
  workerEngine ??= Promise.all([import("elkjs/lib/elk-api.js"), import("elkjs/lib/elk-worker.min.js?url")]).then(
    ([{ default: Elk }, { default: workerUrl }]) => new Elk({ workerUrl }),
  );
  return workerEngine;
}

// Port ids are JSON arrays so that no node id, whatever it is, can collide with one.
const inPort = (node: string) => JSON.stringify(["in", node]);
const outPort = (node: string, exit: string) => JSON.stringify(["out", node, exit]);

/** ELK's graph for the flow: one input port on the left of each node, one output port per exit on the
 * right, kept in exit order (FIXED_ORDER) so the first exit's target is placed above the second's. */
export function elkGraph(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[]): ElkNode {
  const exitsById = new Map(nodes.map((node) => [node.id, new Set(node.exits)]));
  const children = nodes.map(
    (node): ElkNode => ({
      id: node.id,
      width: node.width,
      height: node.height,
      layoutOptions: { "elk.portConstraints": "FIXED_ORDER" },
      ports: [
        { id: inPort(node.id), width: 0, height: 0, layoutOptions: { "elk.port.side": "WEST" } },
        ...node.exits.map((exit, index) => ({
          id: outPort(node.id, exit),
          width: 0,
          height: 0,
          layoutOptions: { "elk.port.side": "EAST", "elk.port.index": String(index) },
        })),
      ],
    }),
  );
  const layoutEdges = edges.flatMap((edge, index): ElkExtendedEdge[] => {
    const exits = exitsById.get(edge.source);
    if (!exits || !exitsById.has(edge.target)) {
      return [];
    }
    // An edge from an exit the node does not list (not expected) still counts, from the node itself.
    const source = edge.sourceHandle && exits.has(edge.sourceHandle) ? outPort(edge.source, edge.sourceHandle) : edge.source;
    return [{ id: `edge-${index}`, sources: [source], targets: [inPort(edge.target)] }];
  });
  return { id: "root", layoutOptions: LAYOUT_OPTIONS, children, edges: layoutEdges };
}

/**
 * New top-left positions for every node, laid out left to right along the connections. The result is
 * moved so its top-left corner is where the flow's was, so the canvas does not jump far away.
 */
export async function layoutPositions(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
  origin: XY = { x: 0, y: 0 },
  engine: Promise<LayoutEngine> | LayoutEngine = browserEngine(),
): Promise<Map<string, XY>> {
  if (nodes.length === 0) {
    return new Map();
  }
  const laidOut = await (await engine).layout(elkGraph(nodes, edges));
  const placed = laidOut.children ?? [];
  const minX = Math.min(...placed.map((child) => child.x ?? 0));
  const minY = Math.min(...placed.map((child) => child.y ?? 0));
  return new Map(
    placed.map((child) => [
      child.id,
      { x: Math.round((child.x ?? 0) - minX + origin.x), y: Math.round((child.y ?? 0) - minY + origin.y) },
    ]),
  );
}

/** The top-left corner of the nodes' bounding box (where a re-laid-out flow starts). */
export function topLeft(positions: readonly XY[]): XY {
  if (positions.length === 0) {
    return { x: 0, y: 0 };
  }
  return {
    x: Math.min(...positions.map((position) => position.x)),
    y: Math.min(...positions.map((position) => position.y)),
  };
}

/** Whether a flow document should be laid out when it opens: it has elements but no saved position for
 * any of them (made by hand or by a tool that does not place elements). A document with some positions
 * keeps the arrangement someone made. */
export function needsLayout(doc: FlowDoc): boolean {
  const saved = doc.ui?.nodes ?? {};
  return doc.nodes.length > 0 && !doc.nodes.some((node) => Object.hasOwn(saved, node.id));
}
