import type { Edge } from "@xyflow/react";
import { isObject } from "../shared/http";
import { exitEdge } from "./graph";
import { newNodeId } from "./ids";
import type { ElementNode, JsonObject, XY } from "./types";

/**
 * Copy and paste of canvas elements, within a flow and across flows. What is copied is plain JSON (the
 * elements' part of the document and the connections between them), kept in localStorage so that another
 * flow's designer in the same browser can paste it.
 */
export interface ClipboardElement {
  id: string;
  type: string;
  config: JsonObject;
  extra: JsonObject;
  storedExits: string[];
  position: XY;
}

export interface ClipboardContent {
  kind: typeof CLIPBOARD_KIND;
  elements: ClipboardElement[];
  /** Connections whose both ends are copied: [source id, exit name, target id]. */
  connections: Array<[string, string, string]>;
}

export const CLIPBOARD_KIND = "flowdesigner/elements@1";
const STORAGE_KEY = "flowdesigner.clipboard";
/** How far each paste lands from the last one, so pasted copies never sit exactly on the originals. */
export const PASTE_OFFSET = 40;

/** The selected nodes and the connections among them, or null when nothing is selected. */
export function copySelection(nodes: readonly ElementNode[], edges: readonly Edge[]): ClipboardContent | null {
  const selected = nodes.filter((node) => node.selected);
  if (selected.length === 0) {
    return null;
  }
  const ids = new Set(selected.map((node) => node.id));
  return {
    kind: CLIPBOARD_KIND,
    elements: selected.map((node) => ({
      id: node.id,
      type: node.data.type,
      config: node.data.config,
      extra: node.data.extra,
      storedExits: node.data.storedExits,
      position: node.position,
    })),
    connections: edges
      .filter((edge) => ids.has(edge.source) && ids.has(edge.target) && edge.sourceHandle)
      .map((edge) => [edge.source, edge.sourceHandle!, edge.target]),
  };
}

/**
 * Fresh canvas nodes and edges for `content`: every id renewed (unique among `taken`), connections kept
 * between the copies, positions moved by `offset`. Configs are deep-copied so the copies share nothing.
 */
export function pasteContent(
  content: ClipboardContent,
  taken: ReadonlySet<string>,
  offset: XY,
  random?: () => number,
): { nodes: ElementNode[]; edges: Edge[] } {
  const used = new Set(taken);
  const renamed = new Map<string, string>();
  const nodes = content.elements.map((element): ElementNode => {
    const id = newNodeId(element.type, used, random);
    used.add(id);
    renamed.set(element.id, id);
    return {
      id,
      type: "element",
      position: { x: element.position.x + offset.x, y: element.position.y + offset.y },
      data: {
        type: element.type,
        config: structuredClone(element.config),
        extra: structuredClone(element.extra),
        storedExits: [...element.storedExits],
      },
    };
  });
  const edges = content.connections.flatMap(([source, exit, target]) => {
    const from = renamed.get(source);
    const to = renamed.get(target);
    return from && to ? [exitEdge(from, exit, to)] : [];
  });
  return { nodes, edges };
}

/** Reads clipboard content from its JSON text; null for anything else (text copied elsewhere). */
export function parseClipboard(text: string | null): ClipboardContent | null {
  if (!text) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value.kind !== CLIPBOARD_KIND || !Array.isArray(value.elements)) {
    return null;
  }
  const elements = value.elements.filter(
    (element): element is ClipboardElement =>
      isObject(element) &&
      typeof element.id === "string" &&
      typeof element.type === "string" &&
      isObject(element.config) &&
      isObject(element.extra) &&
      Array.isArray(element.storedExits) &&
      isObject(element.position) &&
      typeof element.position.x === "number" &&
      typeof element.position.y === "number",
  );
  const connections = (Array.isArray(value.connections) ? value.connections : []).filter(
    (connection): connection is [string, string, string] =>
      Array.isArray(connection) && connection.length === 3 && connection.every((part) => typeof part === "string"),
  );
  return elements.length > 0 ? { kind: CLIPBOARD_KIND, elements, connections } : null;
}

/** Keeps copied elements for any designer tab of this browser (and, best effort, the system clipboard). */
export function writeClipboard(content: ClipboardContent): void {
  const text = JSON.stringify(content);
  try {
    localStorage.setItem(STORAGE_KEY, text);
  } catch {
    // Storage full or disabled: the system clipboard below may still carry it within this page.
  }
  void navigator.clipboard?.writeText(text).catch(() => undefined);
}

export function readClipboard(): ClipboardContent | null {
  try {
    return parseClipboard(localStorage.getItem(STORAGE_KEY));
  } catch {
    return null;
  }
}
