/**
 * Add to flow (engine/core/elements/add_to_flow.py): hands the participant, with its variables, to
 * another flow's Existing Flow entry, then goes on at "next" at once. {"flow": id | null, "entry": node id}
 */
import type { FlowEntries } from "../../api";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export interface AddToFlowConfig {
  flow: number | null;
  entry: string;
}

export function readAddToFlow(config: JsonObject): AddToFlowConfig {
  return { flow: Number.isInteger(config.flow) ? (config.flow as number) : null, entry: str(config.entry) };
}

/** `config` aimed at another flow: its entry kept if that flow has it, else its only entry, else none. */
export function withTargetFlow(config: JsonObject, flow: number | null, flows: readonly FlowEntries[]): JsonObject {
  const entries = flows.find((candidate) => candidate.flow === flow)?.entries ?? [];
  const current = str(config.entry);
  const entry = entries.some((item) => item.id === current) ? current : entries.length === 1 ? entries[0]!.id : "";
  return { ...config, flow, entry };
}

/** "Adds to “Onboarding”" (or the flow's number while the names are unknown); "" with no flow chosen. */
export function addToFlowSummary({ flow }: AddToFlowConfig, flows: readonly FlowEntries[] | null): string {
  if (flow === null) {
    return "";
  }
  const name = flows?.find((candidate) => candidate.flow === flow)?.name;
  return name ? `Adds to “${name}”` : `Adds to flow #${flow}`;
}

/** Why the chosen flow will refuse people now, or null when it is active. */
export function targetWarning(target: FlowEntries | undefined): string | null {
  if (!target || target.status === "active") {
    return null;
  }
  return `“${target.name}” is ${target.status}: it takes people in only while it is active.`;
}

export const addToFlowExits = (): Exit[] => [{ name: "next", label: "Next" }];
