/** The canvas of a diff: the newer document as drawn, plus the older one's removed elements (ghosted) and
 * removed connections, every element and connection marked with its change. */

import { MarkerType, type Edge, type Node } from "@xyflow/react";
import { docToGraph } from "../convert";
import { exitsOf } from "../elements";
import { exitEdgeId } from "../graph";
import type { ElementData, FlowDoc } from "../types";
import type { ChangeKind, ExitLink, FlowDiff } from "./diff";

export type HistoryNodeData = ElementData & {
  change: ChangeKind | null;
  fields: string[];
};

export type HistoryNode = Node<HistoryNodeData, "history">;

const markerEnd = { type: MarkerType.ArrowClosed };

export function diffGraph(older: FlowDoc, newer: FlowDoc, diff: FlowDiff): { nodes: HistoryNode[]; edges: Edge[] } {
  const mark = (node: { id: string; position: { x: number; y: number }; data: ElementData }): HistoryNode => {
    const change = diff.byId.get(node.id);
    return {
      id: node.id,
      type: "history",
      position: node.position,
      data: { ...node.data, change: change?.kind ?? null, fields: change?.fields ?? [] },
      draggable: false,
      connectable: false,
      className: change ? `history-${change.kind}` : undefined,
    };
  };
  const drawnNewer = docToGraph(newer);
  const removedIds = new Set(diff.nodes.filter((node) => node.kind === "removed").map((node) => node.id));
  const removed = docToGraph(older).nodes.filter((node) => removedIds.has(node.id));
  const nodes = [...drawnNewer.nodes, ...removed].map(mark);

  const added = new Set(diff.linksAdded.map((link) => exitEdgeId(link.source, link.exit)));
  const edges: Edge[] = drawnNewer.edges.map((edge) => ({
    ...edge,
    markerEnd,
    selectable: false,
    focusable: false,
    className: added.has(edge.id) ? "history-edge-added" : undefined,
  }));
  // A removed connection is drawn only where its exit is still on the drawn element (a dropped exit has no
  // handle to start from); its id cannot clash with the exit's new connection.
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const hasExit = (link: ExitLink) => {
    const source = byId.get(link.source);
    return Boolean(source && byId.has(link.target) && exitsOf(source.data).some((exit) => exit.name === link.exit));
  };
  edges.push(
    ...diff.linksRemoved.filter(hasExit).map(
      (link): Edge => ({
        id: `removed:${exitEdgeId(link.source, link.exit)}`,
        source: link.source,
        sourceHandle: link.exit,
        target: link.target,
        markerEnd,
        selectable: false,
        focusable: false,
        className: "history-edge-removed",
      }),
    ),
  );
  return { nodes, edges };
}
