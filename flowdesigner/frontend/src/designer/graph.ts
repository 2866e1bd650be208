import type { Connection, Edge } from "@xyflow/react";
import type { ExitRenames } from "./elements/types";
import type { ElementNode, XY } from "./types";

export interface Size {
  width: number;
  height: number;
}

/** An exit has at most one edge, so (source, exit) identifies it. */
export function exitEdgeId(source: string, exit: string): string {
  return JSON.stringify([source, exit]);
}

export function exitEdge(source: string, exit: string, target: string): Edge {
  return { id: exitEdgeId(source, exit), source, sourceHandle: exit, target };
}

/** Connects an exit to a node, replacing the edge that exit had. */
export function connectExit(edges: readonly Edge[], connection: Connection): Edge[] {
  const exit = connection.sourceHandle;
  if (!exit) {
    return [...edges];
  }
  const id = exitEdgeId(connection.source, exit);
  return [...edges.filter((edge) => edge.id !== id), exitEdge(connection.source, exit, connection.target)];
}

/**
 * Keeps a node's outgoing edges in step with its exits after an edit: renamed exits keep their edge
 * under the new name, edges of exits that no longer exist are dropped. Returns `edges` itself when
 * nothing changed (most edits, e.g. each keystroke in a text), so the canvas does not re-index every
 * edge of a large flow.
 */
export function syncExitEdges<E extends readonly Edge[]>(
  edges: E,
  nodeId: string,
  exitNames: readonly string[],
  renames: ExitRenames = {},
): E | Edge[] {
  const affected = edges.some(
    (edge) =>
      edge.source === nodeId &&
      edge.sourceHandle &&
      (Object.hasOwn(renames, edge.sourceHandle) || !exitNames.includes(edge.sourceHandle)),
  );
  if (!affected) {
    return edges;
  }
  return edges.flatMap((edge) => {
    if (edge.source !== nodeId || !edge.sourceHandle) {
      return [edge];
    }
    const exit = Object.hasOwn(renames, edge.sourceHandle) ? renames[edge.sourceHandle]! : edge.sourceHandle;
    if (!exitNames.includes(exit)) {
      return [];
    }
    return exit === edge.sourceHandle ? [edge] : [{ ...edge, ...exitEdge(nodeId, exit, edge.target) }];
  });
}

/** The box a node is assumed to take before the browser has measured it (a fresh drop, a paste). */
export const DEFAULT_NODE_SIZE = { width: 220, height: 120 } as const;
/** Free room kept around a placed node, so its handles stay visible and grabbable. */
const MARGIN = 20;
/** Candidate spots are tried on this grid, nearest first, up to SEARCH_STEPS steps away. */
const GRID = 20;
const SEARCH_STEPS = 60;

interface Box extends XY {
  width: number;
  height: number;
}

function boxOf(node: ElementNode): Box {
  return {
    ...node.position,
    width: node.measured?.width ?? node.width ?? DEFAULT_NODE_SIZE.width,
    height: node.measured?.height ?? node.height ?? DEFAULT_NODE_SIZE.height,
  };
}

/** Whether two boxes come closer than MARGIN to each other. */
function crowds(a: Box, b: Box): boolean {
  return (
    a.x < b.x + b.width + MARGIN &&
    b.x < a.x + a.width + MARGIN &&
    a.y < b.y + b.height + MARGIN &&
    b.y < a.y + a.height + MARGIN
  );
}

let offsets: XY[] | null = null;

/** Grid offsets around a point, nearest first (ties: right before down before left before up). */
function searchOffsets(): XY[] {
  if (!offsets) {
    const all: XY[] = [];
    for (let dx = -SEARCH_STEPS; dx <= SEARCH_STEPS; dx++) {
      for (let dy = -SEARCH_STEPS; dy <= SEARCH_STEPS; dy++) {
        all.push({ x: dx * GRID, y: dy * GRID });
      }
    }
    const angle = (o: XY) => (Math.atan2(o.y, o.x) + 2 * Math.PI) % (2 * Math.PI);
    offsets = all.sort((a, b) => Math.hypot(a.x, a.y) - Math.hypot(b.x, b.y) || angle(a) - angle(b));
  }
  return offsets;
}

/**
 * The spot nearest to `position` where a node of `size` overlaps no existing node's box (measured, or
 * the default size while unmeasured), with a margin so handles are not hidden. Past the search radius
 * (a very crowded area) the node goes below everything.
 */
export function freePosition(nodes: readonly ElementNode[], position: XY, size: Size = DEFAULT_NODE_SIZE): XY {
  const reach = SEARCH_STEPS * GRID + MARGIN;
  // Only nodes within reach can be in the way: the search costs the same for 10 nodes or 2,000.
  const near = nodes
    .map(boxOf)
    .filter(
      (box) =>
        box.x < position.x + size.width + reach &&
        position.x - reach < box.x + box.width &&
        box.y < position.y + size.height + reach &&
        position.y - reach < box.y + box.height,
    );
  for (const offset of searchOffsets()) {
    const candidate = { x: position.x + offset.x, y: position.y + offset.y, ...size };
    if (!near.some((box) => crowds(candidate, box))) {
      return { x: candidate.x, y: candidate.y };
    }
  }
  const bottom = Math.max(...nodes.map(boxOf).map((box) => box.y + box.height));
  return { x: position.x, y: bottom + MARGIN };
}
