import type { Connection, Edge } from "@xyflow/react";
import type { ExitRenames } from "./elements/types";
import type { ElementNode, XY } from "./types";

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
 * under the new name, edges of exits that no longer exist are dropped.
 */
export function syncExitEdges(
  edges: readonly Edge[],
  nodeId: string,
  exitNames: readonly string[],
  renames: ExitRenames = {},
): Edge[] {
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

const NUDGE = 30;

/** `position`, moved down-right until no node sits exactly there, so repeated adds do not stack. */
export function freePosition(nodes: readonly ElementNode[], position: XY): XY {
  let { x, y } = position;
  while (nodes.some((node) => Math.abs(node.position.x - x) < 1 && Math.abs(node.position.y - y) < 1)) {
    x += NUDGE;
    y += NUDGE;
  }
  return { x, y };
}
