import type { Edge } from "@xyflow/react";
import type { Exit } from "./elements/types";
import type { ElementNode, ElementTypeInfo, JsonObject } from "./types";

/** A node an exit can lead to, as the keyboard connector lists it. */
export interface TargetChoice {
  id: string;
  label: string;
}

/** One exit of a node and the node it leads to now (null: not connected). */
export interface ExitConnection {
  exit: Exit;
  target: string | null;
  edgeId: string | null;
}

const CAPTION_LENGTH = 40;

/** A short human caption from a node's config: an Exit's name or a message's text, shortened. */
export function nodeCaption(config: JsonObject): string {
  for (const key of ["name", "text"]) {
    const value = config[key];
    if (typeof value === "string" && value.trim()) {
      const text = value.trim().replace(/\s+/g, " ");
      return text.length > CAPTION_LENGTH ? `${text.slice(0, CAPTION_LENGTH - 1)}…` : text;
    }
  }
  return "";
}

/**
 * The nodes `sourceId`'s exits can be connected to, in canvas order: every other node with an entry side
 * (entry elements start a flow and have no incoming handle, so the mouse cannot connect to them either).
 * Labelled "<type label>: <caption> (<id>)" so two messages of the same kind stay distinguishable.
 */
export function targetChoices(
  sourceId: string,
  nodes: readonly Pick<ElementNode, "id" | "data">[],
  elementTypes: ReadonlyMap<string, Pick<ElementTypeInfo, "label" | "category">>,
): TargetChoice[] {
  return nodes.flatMap((node) => {
    const info = elementTypes.get(node.data.type);
    if (node.id === sourceId || info?.category === "entry") {
      return [];
    }
    const caption = nodeCaption(node.data.config);
    const kind = info?.label ?? node.data.type;
    return [{ id: node.id, label: caption ? `${kind}: ${caption} (${node.id})` : `${kind} (${node.id})` }];
  });
}

/** Each exit of `sourceId` with the edge that leaves it, if any (an exit has at most one edge). */
export function exitConnections(
  sourceId: string,
  exits: readonly Exit[],
  edges: readonly Pick<Edge, "id" | "source" | "sourceHandle" | "target">[],
): ExitConnection[] {
  const byExit = new Map(
    edges.filter((edge) => edge.source === sourceId && edge.sourceHandle).map((edge) => [edge.sourceHandle!, edge]),
  );
  return exits.map((exit) => {
    const edge = byExit.get(exit.name);
    return { exit, target: edge?.target ?? null, edgeId: edge?.id ?? null };
  });
}
