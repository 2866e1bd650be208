/**
 * Evaluate inbound reply: waits for a person's free-text reply and takes the first branch with a condition
 * that matches it (the inbound operators), else "other"; with a reply timeout, "no answer" when none comes.
 */
import { isObject } from "../../../shared/http";
import { describeCondition, newCondition, readConditions, writeCondition, type InboundCondition } from "../../inbound";
import type { JsonObject } from "../../types";
import { OTHER_EXIT } from "../message/channel";
import { NO_ANSWER_EXIT, withNoAnswer } from "../message/config";
import type { Exit } from "../types";

export const REPLY_CHANNELS = ["any", "web", "sms", "email"] as const;
export type ReplyChannel = (typeof REPLY_CHANNELS)[number];

export const REPLY_CHANNEL_LABELS: Record<ReplyChannel, string> = {
  any: "Any channel",
  web: "Web inbox",
  sms: "SMS",
  email: "Email",
};

export const OTHER_EXIT_LABEL = "other";
/** Exit names a branch id cannot take. */
export const RESERVED_EXITS: readonly string[] = [OTHER_EXIT, NO_ANSWER_EXIT];

export interface ReplyBranch {
  id: string;
  name: string;
  conditions: InboundCondition[];
}

export interface EvaluateReplyConfig {
  channel: ReplyChannel;
  branches: ReplyBranch[];
  /** The flow variable the reply text is saved in; "" = not saved. */
  variable: string;
}

/** The branches as stored; entries without an id are skipped. */
export function readReplyBranches(config: JsonObject): ReplyBranch[] {
  const branches = Array.isArray(config.branches) ? config.branches : [];
  return branches.filter(isObject).flatMap((branch) =>
    typeof branch.id === "string"
      ? [
          {
            id: branch.id,
            name: typeof branch.name === "string" ? branch.name : "",
            conditions: readConditions(branch.conditions),
          },
        ]
      : [],
  );
}

/** The config with every key present; any channel when it is missing or unknown. */
export function readEvaluateReply(config: JsonObject): EvaluateReplyConfig {
  return {
    channel: REPLY_CHANNELS.includes(config.channel as ReplyChannel) ? (config.channel as ReplyChannel) : "any",
    branches: readReplyBranches(config),
    variable: typeof config.variable === "string" ? config.variable : "",
  };
}

/** `config` with these branches, each condition stored with only the keys its operator uses. */
export function withBranches(config: JsonObject, branches: readonly ReplyBranch[]): JsonObject {
  return {
    ...config,
    branches: branches.map(({ id, name, conditions }) => ({ id, name, conditions: conditions.map(writeCondition) })),
  };
}

/** One exit per branch id, in order, labelled with the branch's name; then "other"; then "no answer" when a
 * reply timeout is set. A repeated id is one exit (and a validation issue), as in the engine. */
export function evaluateReplyExits(config: JsonObject): Exit[] {
  const exits: Exit[] = [];
  for (const branch of readReplyBranches(config)) {
    if (!exits.some((exit) => exit.name === branch.id)) {
      exits.push({ name: branch.id, label: branch.name.trim() || branch.id });
    }
  }
  if (!exits.some((exit) => exit.name === OTHER_EXIT)) {
    exits.push({ name: OTHER_EXIT, label: OTHER_EXIT_LABEL });
  }
  return withNoAnswer(config, exits);
}

/** A new branch at the end: id "b<n>" that no branch has (so no exit is shared), "Branch <n>", and one
 * empty "Matches text" condition to fill in. */
export function newReplyBranch(branches: readonly ReplyBranch[]): ReplyBranch {
  const taken = new Set([...branches.map((branch) => branch.id), ...RESERVED_EXITS]);
  let n = branches.length + 1;
  while (taken.has(`b${n}`)) {
    n++;
  }
  return { id: `b${n}`, name: `Branch ${branches.length + 1}`, conditions: [newCondition()] };
}

/** Why the branch at `index` will be refused (as the engine says), or null: a hint beside its name. */
export function branchProblem(branches: readonly ReplyBranch[], index: number): string | null {
  const branch = branches[index];
  if (!branch) {
    return null;
  }
  if (!branch.name.trim()) {
    return "Give the branch a name.";
  }
  if (RESERVED_EXITS.includes(branch.id)) {
    return `The id “${branch.id}” is kept for the exit of the same name; remove this branch and add it again.`;
  }
  if (branches.slice(0, index).some((other) => other.id === branch.id)) {
    return `Another branch has the id “${branch.id}”; remove this branch and add it again.`;
  }
  return branch.conditions.length === 0 ? "Add a condition: a branch without one is never taken." : null;
}

/** One line per branch for the node: 'Yes: Matches text: "yes", "y"', with "+ 2 more" for more conditions. */
export function evaluateReplySummary(branches: readonly ReplyBranch[]): string[] {
  return branches.map((branch) => {
    const [first, ...rest] = branch.conditions;
    const name = branch.name.trim() || branch.id;
    if (!first) {
      return `${name}: no condition`;
    }
    return `${name}: ${describeCondition(first)}${rest.length > 0 ? ` + ${rest.length} more` : ""}`;
  });
}
