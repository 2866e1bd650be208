import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export interface RandomBranch {
  id: string;
  name: string;
  percent: number;
  [key: string]: unknown;
}

/** The branches as stored; entries without an id are skipped, a missing share reads as 0. */
export function readRandomBranches(config: JsonObject): RandomBranch[] {
  const branches = Array.isArray(config.branches) ? config.branches : [];
  return branches.filter(isObject).flatMap((branch) =>
    typeof branch.id === "string"
      ? [
          {
            ...branch,
            id: branch.id,
            name: str(branch.name),
            percent: typeof branch.percent === "number" && Number.isFinite(branch.percent) ? branch.percent : 0,
          },
        ]
      : [],
  );
}

/** One exit per branch id, in order, labelled with the branch's name. */
export function randomSplitExits(config: JsonObject): Exit[] {
  const exits: Exit[] = [];
  for (const branch of readRandomBranches(config)) {
    if (!exits.some((exit) => exit.name === branch.id)) {
      exits.push({ name: branch.id, label: branch.name.trim() || branch.id });
    }
  }
  return exits;
}

/** The sum of the shares, rounded against floating point noise (33.3 + 33.3 + 33.4). */
export function totalPercent(branches: readonly RandomBranch[]): number {
  return Math.round(branches.reduce((sum, branch) => sum + branch.percent, 0) * 1e6) / 1e6;
}

/** Why the shares cannot be used (as the engine will say), or null. */
export function sharesProblem(branches: readonly RandomBranch[]): string | null {
  if (branches.length < 2) {
    return "Add at least two branches.";
  }
  const total = totalPercent(branches);
  if (total !== 100) {
    return `The shares add up to ${total} %, not 100 %.`;
  }
  return null;
}

/** "A 50 % · B 50 %": what the node shows. */
export function randomSplitSummary(branches: readonly RandomBranch[]): string {
  return branches.map((branch) => `${branch.name.trim() || branch.id} ${branch.percent} %`).join(" · ");
}

/** The next branch: id "c" after "a" and "b" (then "branch_4", ...), named like it, taking what is left of 100 %. */
export function newRandomBranch(branches: readonly RandomBranch[]): RandomBranch {
  const taken = new Set(branches.map((branch) => branch.id));
  const letter = "abcdefghijklmnopqrstuvwxyz".split("").find((candidate) => !taken.has(candidate));
  let id = letter;
  for (let n = branches.length + 1; id === undefined; n++) {
    id = taken.has(`branch_${n}`) ? undefined : `branch_${n}`;
  }
  const left = Math.max(0, 100 - totalPercent(branches));
  return { id, name: letter ? letter.toUpperCase() : `Branch ${branches.length + 1}`, percent: left };
}

/** The same branches with 100 % shared as evenly as whole percents allow (the first ones get the rest). */
export function splitEvenly(branches: readonly RandomBranch[]): RandomBranch[] {
  if (branches.length === 0) {
    return [];
  }
  const base = Math.floor(100 / branches.length);
  const rest = 100 - base * branches.length;
  return branches.map((branch, index) => ({ ...branch, percent: base + (index < rest ? 1 : 0) }));
}
