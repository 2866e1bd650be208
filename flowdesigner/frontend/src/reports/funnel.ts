/**
 * The funnel along a path the user chooses through the flow: how many entered the first element, then
 * how many went on along each chosen connection (the exits of the previous element leading to the next).
 */

import type { FlowDoc, FlowDocNode, NodeReport } from "./types";

export interface NextStep {
  target: string;
  /** The exits of the previous element that lead to `target` (several buttons may lead to one step). */
  exits: string[];
}

export interface FunnelStep {
  nodeId: string;
  count: number;
  /** Share of the first step's count, 0..100; null when the first step has no one. */
  percent: number | null;
  /** The exits taken to get here; empty for the first step. */
  via: string[];
}

function nodeMap(definition: FlowDoc): Map<string, FlowDocNode> {
  return new Map(definition.nodes.map((node) => [node.id, node]));
}

/** The elements one step after `nodeId`, in exit order, each once, with the exits leading there. */
export function nextSteps(definition: FlowDoc, nodeId: string): NextStep[] {
  const nodes = nodeMap(definition);
  const node = nodes.get(nodeId);
  if (!node) {
    return [];
  }
  const steps = new Map<string, string[]>();
  for (const [exit, target] of Object.entries(node.exits)) {
    if (target && nodes.has(target)) {
      steps.set(target, [...(steps.get(target) ?? []), exit]);
    }
  }
  return [...steps].map(([target, exits]) => ({ target, exits }));
}

/** The longest start of `path` that is a real path of this definition (after a version switch, say). */
export function validPath(definition: FlowDoc, path: string[]): string[] {
  const nodes = nodeMap(definition);
  const valid: string[] = [];
  for (const nodeId of path) {
    const previous = valid.at(-1);
    const reachable =
      previous === undefined ? nodes.has(nodeId) : nextSteps(definition, previous).some((s) => s.target === nodeId);
    if (!reachable) {
      break;
    }
    valid.push(nodeId);
  }
  return valid;
}

/** The funnel of a valid path: entered at the first element, then who passed the exits to each next one. */
export function funnel(definition: FlowDoc, counts: Record<string, NodeReport>, path: string[]): FunnelStep[] {
  const steps: FunnelStep[] = [];
  let first: number | null = null;
  for (const [index, nodeId] of validPath(definition, path).entries()) {
    let count: number;
    let via: string[] = [];
    const previous = path[index - 1];
    if (previous === undefined) {
      count = counts[nodeId]?.entered ?? 0;
      first = count;
    } else {
      via = nextSteps(definition, previous).find((s) => s.target === nodeId)?.exits ?? [];
      const exits = counts[previous]?.exits ?? {};
      count = via.reduce((sum, exit) => sum + (exits[exit] ?? 0), 0);
    }
    const percent = first ? (count / first) * 100 : null;
    steps.push({ nodeId, count, percent, via });
  }
  return steps;
}

/** "42%", "3.5%", "—" for no base. */
export function formatPercent(percent: number | null): string {
  if (percent === null || !Number.isFinite(percent)) {
    return "—";
  }
  const rounded = percent >= 10 || Number.isInteger(percent) ? Math.round(percent) : Math.round(percent * 10) / 10;
  return `${rounded}%`;
}
