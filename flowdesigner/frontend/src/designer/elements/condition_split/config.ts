/**
 * Condition split: ordered branches, each a rule document (the people rules of docs/segments.md, whose
 * leaves may also be flow-variable conditions {"variable", "operator", "value"}), then "otherwise".
 */
import { isObject } from "../../../shared/http";
import type { RuleDoc } from "../../../segments/types";
import type { JsonObject } from "../../types";
import { NO_VALUE_OPERATORS, OPERATOR_LABELS, VARIABLE_OPERATORS, type FlowVariable, type VariableType } from "../../variables";
import { str } from "../message/config";
import type { Exit } from "../types";

export const OTHERWISE_EXIT = "otherwise";
export const MAX_BRANCHES = 20;

export type GroupOp = "and" | "or";

export interface Branch {
  id: string;
  name: string;
  rules: JsonObject;
}

export interface VariableLeaf {
  variable: string;
  operator: string;
  value?: unknown;
}

export const emptyRules = (): JsonObject => ({ op: "and", rules: [] });

/** The branches as stored; entries without an id are skipped, missing rules read as "no conditions". */
export function readBranches(config: JsonObject): Branch[] {
  const branches = Array.isArray(config.branches) ? config.branches : [];
  return branches.filter(isObject).flatMap((branch) =>
    typeof branch.id === "string"
      ? [{ id: branch.id, name: str(branch.name), rules: isObject(branch.rules) ? branch.rules : emptyRules() }]
      : [],
  );
}

/** One exit per branch id, in order, labelled with the branch's name; then "otherwise". */
export function conditionSplitExits(config: JsonObject): Exit[] {
  const exits: Exit[] = [];
  for (const branch of readBranches(config)) {
    if (branch.id !== OTHERWISE_EXIT && !exits.some((exit) => exit.name === branch.id)) {
      exits.push({ name: branch.id, label: branch.name.trim() || branch.id });
    }
  }
  return [...exits, { name: OTHERWISE_EXIT, label: "otherwise" }];
}

/** A new branch at the end: id "b<n>" not taken yet, "Branch <n>", no conditions. */
export function newBranch(branches: readonly Branch[]): Branch {
  const taken = new Set(branches.map((branch) => branch.id));
  let n = branches.length + 1;
  while (taken.has(`b${n}`)) {
    n++;
  }
  return { id: `b${n}`, name: `Branch ${branches.length + 1}`, rules: emptyRules() };
}

/** The branches with the one at `index` moved up (-1) or down (+1); unchanged at either end. */
export function moveBranch<T>(branches: readonly T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  const moved = branches[index];
  const other = branches[target];
  if (moved === undefined || other === undefined) {
    return [...branches];
  }
  return branches.with(index, other).with(target, moved);
}

export function isVariableLeaf(rule: unknown): rule is VariableLeaf & JsonObject {
  return isObject(rule) && "variable" in rule;
}

/** Whether a rule document has a flow-variable condition anywhere. */
export function hasVariables(rules: unknown): boolean {
  if (!isObject(rules)) {
    return false;
  }
  return "variable" in rules || (Array.isArray(rules.rules) && rules.rules.some(hasVariables));
}

/**
 * A branch's rules as the editor shows them: the top group's operator, its people rules (for the segment
 * rule builder) and its flow-variable conditions. `origin[i]` says where the document's i-th rule went.
 * Null when a variable condition sits inside a nested group, which only the JSON editor can show.
 */
export interface SplitRules {
  op: GroupOp;
  people: RuleDoc[];
  variables: VariableLeaf[];
  origin: Array<{ kind: "people" | "variable"; index: number }>;
}

export function splitRules(rules: JsonObject): SplitRules | null {
  const split: SplitRules = { op: "and", people: [], variables: [], origin: [] };
  const children: unknown[] = Array.isArray(rules.rules) ? rules.rules : isVariableLeaf(rules) ? [rules] : [];
  if (Array.isArray(rules.rules)) {
    split.op = rules.op === "or" ? "or" : "and";
  } else if (!isVariableLeaf(rules) && Object.keys(rules).length > 0) {
    // A single people condition as the whole document.
    children.push(rules);
  }
  for (const child of children) {
    if (isVariableLeaf(child)) {
      split.origin.push({ kind: "variable", index: split.variables.length });
      split.variables.push(readLeaf(child));
    } else if (hasVariables(child)) {
      return null;
    } else {
      split.origin.push({ kind: "people", index: split.people.length });
      split.people.push(child as RuleDoc);
    }
  }
  return split;
}

function readLeaf(leaf: JsonObject): VariableLeaf {
  const read: VariableLeaf = { variable: str(leaf.variable), operator: str(leaf.operator) };
  if ("value" in leaf) {
    read.value = leaf.value;
  }
  return read;
}

/** The rule document of an edited split: one group, people rules first, then the variable conditions. */
export function joinRules(op: GroupOp, people: readonly RuleDoc[], variables: readonly VariableLeaf[]): JsonObject {
  return { op, rules: [...people, ...variables.map(writeLeaf)] };
}

function writeLeaf(leaf: VariableLeaf): JsonObject {
  const { variable, operator } = leaf;
  return NO_VALUE_OPERATORS.has(operator) || leaf.value === undefined ? { variable, operator } : { variable, operator, value: leaf.value };
}

/** How many conditions (leaves) a rule document holds, however deep. */
export function countConditions(rules: unknown): number {
  if (!isObject(rules)) {
    return 0;
  }
  if (Array.isArray(rules.rules)) {
    return rules.rules.reduce<number>((sum, rule) => sum + countConditions(rule), 0);
  }
  return Object.keys(rules).length > 0 ? 1 : 0;
}

/** "score ≥ 10", "city is Brussels", "vip is empty". */
export function describeLeaf(leaf: VariableLeaf): string {
  const operator = OPERATOR_LABELS[leaf.operator] ?? leaf.operator;
  if (NO_VALUE_OPERATORS.has(leaf.operator) || leaf.value === undefined) {
    return `${leaf.variable} ${operator}`;
  }
  const value = typeof leaf.value === "string" ? leaf.value : JSON.stringify(leaf.value);
  return `${leaf.variable} ${operator} ${value}`;
}

/** What a branch tests, in a few words: "no conditions", "score ≥ 10", "all of 3 conditions". */
export function describeRules(rules: JsonObject): string {
  const count = countConditions(rules);
  if (count === 0) {
    return "no conditions";
  }
  const leaf = isVariableLeaf(rules)
    ? rules
    : Array.isArray(rules.rules) && rules.rules.length === 1 && isVariableLeaf(rules.rules[0])
      ? rules.rules[0]
      : null;
  if (leaf) {
    return describeLeaf(readLeaf(leaf));
  }
  if (count === 1) {
    return "1 condition";
  }
  return `${rules.op === "or" ? "any" : "all"} of ${count} conditions`;
}

/** One line per branch for the node: "VIP: all of 2 conditions". */
export function conditionSplitSummary(branches: readonly Branch[]): string[] {
  return branches.map((branch) => `${branch.name.trim() || branch.id}: ${describeRules(branch.rules)}`);
}

/** Why the branches after this one (or "otherwise") are never reached, as the engine warns; or null. */
export function branchWarning(branches: readonly Branch[], index: number): string | null {
  const branch = branches[index];
  const rules = branch?.rules;
  if (!rules || (Array.isArray(rules.rules) && rules.rules.length > 0) || "variable" in rules) {
    return null;
  }
  const later = index === branches.length - 1 ? "“otherwise”" : "every later branch";
  return `No conditions: everyone takes this branch, so ${later} is never reached.`;
}

/**
 * Issues on a branch's rules mapped to where the editor shows them. `field` is the issue's path relative
 * to the node ("config.branches[0].rules.rules[2].value"); the rest after the branch's rules says which
 * rule of the document, which `origin` turns into a builder row or a variable condition.
 */
export function placeRuleIssue(
  field: string,
  branchIndex: number,
  split: SplitRules | null,
): { kind: "people"; path: string } | { kind: "variable"; index: number; rest: string } | null {
  const prefix = `config.branches[${branchIndex}].rules`;
  if (split === null || !field.startsWith(prefix)) {
    return null;
  }
  const match = /^\.rules\[(\d+)\](.*)$/.exec(field.slice(prefix.length));
  const origin = match ? split.origin[Number(match[1])] : undefined;
  if (!match || !origin) {
    return null;
  }
  const rest = match[2] ?? "";
  return origin.kind === "people"
    ? { kind: "people", path: `rules[${origin.index}]${rest}` }
    : { kind: "variable", index: origin.index, rest };
}

/** The leaf after choosing `variable` (of the type `before` had): the operator kept when the new type
 * allows it (else the type's first), the value kept when the type is the same. */
export function withVariable(leaf: VariableLeaf, variable: FlowVariable, before?: VariableType): VariableLeaf {
  const operators = VARIABLE_OPERATORS[variable.type];
  const operator = operators.includes(leaf.operator) ? leaf.operator : (operators[0] ?? "is");
  const value = before === variable.type ? leaf.value : undefined;
  return withOperator({ variable: variable.name, operator, value }, operator, variable.type);
}

/** The leaf after choosing `operator`: no value for "is empty", a value of the right kind otherwise. */
export function withOperator(leaf: VariableLeaf, operator: string, type: VariableType | undefined): VariableLeaf {
  if (NO_VALUE_OPERATORS.has(operator)) {
    return { variable: leaf.variable, operator };
  }
  const fresh = type === "boolean" ? true : "";
  const keep = leaf.value !== undefined && (type === "boolean") === (typeof leaf.value === "boolean");
  return { variable: leaf.variable, operator, value: keep ? leaf.value : fresh };
}

