/** The results mode's pure logic: the report's shapes, counts per element and connection, a participant's
 * path on the canvas, and how numbers are written. No React, no requests (designer/results/ has those). */

import { isObject } from "../shared/http";
import { exitEdgeId } from "./graph";
import type { NodeReport } from "../shared/report";
import type { FlowDoc } from "./types";

/** An element's numbers as the canvas shows them, every one present. */
export interface NodeCounts {
  entered: number;
  waiting: number;
  timedOut: number;
  failed: number;
  /** Completed at this element (an Exit element's "" exit). */
  completed: number;
  /** Passes per exit name, "" excluded (that is `completed`). */
  exits: Readonly<Record<string, number>>;
}

export const ZERO_COUNTS: NodeCounts = Object.freeze({
  entered: 0,
  waiting: 0,
  timedOut: 0,
  failed: 0,
  completed: 0,
  exits: Object.freeze({}),
});

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The canvas numbers of one element's report entry (missing entry or numbers: 0). */
export function nodeCounts(raw: NodeReport | undefined): NodeCounts {
  if (!raw) {
    return ZERO_COUNTS;
  }
  const exits: Record<string, number> = {};
  let completed = 0;
  if (isObject(raw.exits)) {
    for (const [name, passes] of Object.entries(raw.exits)) {
      if (name === "") {
        completed = count(passes);
      } else {
        exits[name] = count(passes);
      }
    }
  }
  return {
    entered: count(raw.entered),
    waiting: count(raw.waiting),
    timedOut: count(raw.timed_out),
    failed: count(raw.failed),
    completed,
    exits,
  };
}

/** Whether two elements' numbers are the same (so a count update can leave that node alone). */
export function countsEqual(a: NodeCounts, b: NodeCounts): boolean {
  if (
    a.entered !== b.entered ||
    a.waiting !== b.waiting ||
    a.timedOut !== b.timedOut ||
    a.failed !== b.failed ||
    a.completed !== b.completed
  ) {
    return false;
  }
  const aNames = Object.keys(a.exits);
  if (aNames.length !== Object.keys(b.exits).length) {
    return false;
  }
  return aNames.every((name) => Object.hasOwn(b.exits, name) && a.exits[name] === b.exits[name]);
}

/** How many participants passed through one connection: left `counts`' element by `exit`. */
export function exitCount(counts: NodeCounts, exit: string): number {
  return exit === "" ? counts.completed : (counts.exits[exit] ?? 0);
}

/** Digit groups with a thin space: 1 234 567. The same in every locale, so tests and people agree. */
export function formatExact(n: number): string {
  const sign = n < 0 ? "-" : "";
  const digits = String(Math.trunc(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

/**
 * A count for a badge or a connection, short enough for a node: exact below 10 000 ("9 999"), then
 * thousands ("12.3k", "999k") and millions ("1.2M", "35M"). The exact number goes in a title.
 */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 10_000) {
    return formatExact(n);
  }
  const [scaled, unit] = abs < 999_500 ? [n / 1000, "k"] : [n / 1_000_000, "M"];
  const rounded = Math.abs(scaled) < 100 ? Math.round(scaled * 10) / 10 : Math.round(scaled);
  return `${rounded}${unit}`;
}

/** One element a participant went through, as GET /api/participants/{id}/ lists their path. */
export interface PathEntry {
  seq: number;
  node_id: string;
  node_type?: string;
  entered_at?: string;
  left_at?: string | null;
  /** The exit taken; null while still there. */
  exit?: string | null;
}

/** A participant's path drawn on a definition: the step numbers (1-based, in order) on each element and
 * on each connection they went along; an element or connection visited twice has two numbers. */
export interface PathHighlight {
  nodeSteps: Map<string, number[]>;
  edgeSteps: Map<string, number[]>;
  /** Where the path ends (where they are now, or where they finished). */
  last: string | null;
}

/**
 * The elements and connections of a participant's path, in order. A connection is marked when an entry's
 * exit leads, in this definition, to the element of the next entry (so a jump the definition does not draw,
 * like a hand-over, marks no connection).
 */
export function pathHighlight(path: readonly PathEntry[], definition: FlowDoc): PathHighlight {
  const ordered = [...path].sort((a, b) => a.seq - b.seq);
  const exitsById = new Map(definition.nodes.map((node) => [node.id, node.exits]));
  const nodeSteps = new Map<string, number[]>();
  const edgeSteps = new Map<string, number[]>();
  ordered.forEach((entry, index) => {
    const step = index + 1;
    push(nodeSteps, entry.node_id, step);
    const next = ordered[index + 1];
    const exit = entry.exit;
    if (next && typeof exit === "string" && exitsById.get(entry.node_id)?.[exit] === next.node_id) {
      push(edgeSteps, exitEdgeId(entry.node_id, exit), step);
    }
  });
  return { nodeSteps, edgeSteps, last: ordered.at(-1)?.node_id ?? null };
}

function push(map: Map<string, number[]>, key: string, step: number) {
  const steps = map.get(key);
  if (steps) {
    steps.push(step);
  } else {
    map.set(key, [step]);
  }
}

/** The version the results mode shows: a version number, or "all" versions summed. */
export type VersionChoice = number | "all";

/** The results mode's place in the page URL: ?results=1[&version=N|all][&participant=ID]. */
export interface ResultsLocation {
  results: boolean;
  version: VersionChoice | null;
  participant: number | null;
}

function positiveInt(text: string | null): number | null {
  return text && /^\d+$/.test(text) && Number(text) > 0 ? Number(text) : null;
}

export function readResultsLocation(search: string): ResultsLocation {
  const params = new URLSearchParams(search);
  const participant = positiveInt(params.get("participant"));
  const versionText = params.get("version");
  return {
    // A participant's path is only shown in results mode, so ?participant= alone opens it too.
    results: params.get("results") === "1" || participant !== null,
    version: versionText === "all" ? "all" : positiveInt(versionText),
    participant,
  };
}

/** `search` with the results mode's parameters replaced by `location`'s (other parameters kept). */
export function writeResultsLocation(search: string, location: ResultsLocation): string {
  const params = new URLSearchParams(search);
  for (const key of ["results", "version", "participant"]) {
    params.delete(key);
  }
  if (location.results) {
    params.set("results", "1");
    if (location.version !== null) {
      params.set("version", String(location.version));
    }
    if (location.participant !== null) {
      params.set("participant", String(location.participant));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
