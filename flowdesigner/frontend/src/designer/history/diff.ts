/**
 * What changed between two flow documents, element by element (matched by node id). Pure: no React, no
 * canvas; the history panel draws the result.
 *
 * A node's position is not content: the engine ignores the `ui` section, so a node that only moved is
 * reported in `moved`, never as changed.
 */

import type { FlowDoc, FlowDocNode, JsonObject } from "../types";

export type ChangeKind = "added" | "removed" | "changed";

export interface NodeChange {
  id: string;
  /** The element type (the newer one when it changed). */
  type: string;
  kind: ChangeKind;
  /** Readable paths of what changed ("config.text", "exits.yes", "config.buttons[1].caption"); empty for
   * added and removed elements. */
  fields: string[];
}

/** A connection: an element's exit leading to another element. */
export interface ExitLink {
  source: string;
  exit: string;
  target: string;
}

export interface FlowDiff {
  /** Changed elements in the newer document's order, then the removed ones in the older one's. */
  nodes: NodeChange[];
  /** The same, by node id; unchanged elements are absent. */
  byId: ReadonlyMap<string, NodeChange>;
  /** Connections only the newer document has (new ones and re-targeted exits). */
  linksAdded: ExitLink[];
  /** Connections only the older document has. */
  linksRemoved: ExitLink[];
  /** Elements present in both whose position on the canvas changed. */
  moved: string[];
  /** Changed flow-wide keys outside the elements and the layout ("variables", "settings.priority"). */
  flowFields: string[];
}

/** The node keys compared one by one; any other key is compared whole under its own name. */
const OWN_KEYS = new Set(["id", "type", "config", "exits"]);
/** Document keys that are not flow-wide settings: the elements themselves, and the layout. */
const DOC_KEYS = new Set(["nodes", "ui"]);

export function diffFlows(older: FlowDoc, newer: FlowDoc): FlowDiff {
  const oldNodes = new Map(older.nodes.map((node) => [node.id, node]));
  const newIds = new Set(newer.nodes.map((node) => node.id));
  const changes: NodeChange[] = [];
  const moved: string[] = [];

  for (const node of newer.nodes) {
    const before = oldNodes.get(node.id);
    if (!before) {
      changes.push({ id: node.id, type: node.type, kind: "added", fields: [] });
      continue;
    }
    const fields = nodeFields(before, node);
    if (fields.length > 0) {
      changes.push({ id: node.id, type: node.type, kind: "changed", fields });
    }
    if (!samePosition(older, newer, node.id)) {
      moved.push(node.id);
    }
  }
  for (const node of older.nodes) {
    if (!newIds.has(node.id)) {
      changes.push({ id: node.id, type: node.type, kind: "removed", fields: [] });
    }
  }

  const oldLinks = links(older);
  const newLinks = links(newer);
  return {
    nodes: changes,
    byId: new Map(changes.map((change) => [change.id, change])),
    linksAdded: [...newLinks.values()].filter((link) => !oldLinks.has(linkKey(link))),
    linksRemoved: [...oldLinks.values()].filter((link) => !newLinks.has(linkKey(link))),
    moved,
    flowFields: changedPaths(pick(older, DOC_KEYS), pick(newer, DOC_KEYS), ""),
  };
}

/** The readable paths where two versions of one element differ. */
export function nodeFields(before: FlowDocNode, after: FlowDocNode): string[] {
  const fields: string[] = [];
  if (before.type !== after.type) {
    fields.push("type");
  }
  fields.push(...changedPaths(before.config, after.config, "config"));
  // An exit is compared by where it leads: a new or dropped exit name is a change of that exit too.
  const [oldExits, newExits] = [before.exits ?? {}, after.exits ?? {}];
  const leadsElsewhere = (name: string) => (oldExits[name] ?? null) !== (newExits[name] ?? null);
  const exitNames = unionKeys(oldExits, newExits).filter(leadsElsewhere);
  fields.push(...exitNames.map((name) => `exits.${name}`));
  fields.push(...changedPaths(pick(before, OWN_KEYS), pick(after, OWN_KEYS), ""));
  return fields;
}

/**
 * The paths at which `a` and `b` differ, down to the first level where they are not both objects or both
 * arrays: "config.text", "config.buttons[1].caption", or "config.buttons" when one side is not a list.
 */
export function changedPaths(a: unknown, b: unknown, path: string): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    return Array.from({ length }, (_, index) => changedPaths(a[index], b[index], `${path}[${index}]`)).flat();
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    return unionKeys(a, b).flatMap((key) => changedPaths(a[key], b[key], path ? `${path}.${key}` : key));
  }
  return sameJson(a, b) ? [] : [path || "(whole)"];
}

function sameJson(a: unknown, b: unknown): boolean {
  // Undefined and absent are the same; JSON has no undefined.
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object without the given keys. */
function pick(value: object, without: ReadonlySet<string>): JsonObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !without.has(key)));
}

/** A node without a stored position on one side was placed by the canvas, not moved by anyone. */
function samePosition(older: FlowDoc, newer: FlowDoc, id: string): boolean {
  const a = older.ui?.nodes?.[id];
  const b = newer.ui?.nodes?.[id];
  return !a || !b || (a.x === b.x && a.y === b.y);
}

function linkKey(link: ExitLink): string {
  return JSON.stringify([link.source, link.exit, link.target]);
}

function links(doc: FlowDoc): Map<string, ExitLink> {
  const found = new Map<string, ExitLink>();
  for (const node of doc.nodes) {
    for (const [exit, target] of Object.entries(node.exits ?? {})) {
      if (target) {
        const link = { source: node.id, exit, target };
        found.set(linkKey(link), link);
      }
    }
  }
  return found;
}
