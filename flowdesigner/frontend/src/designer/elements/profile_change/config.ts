/**
 * Change in People profile (engine/core/elements/profile_change.py): a person enters when a change to
 * their profile makes the rules become true. `rules` is a people rule document (docs/segments.md) over
 * person attributes only; a condition's value may be a flow variable, {"variable": name}, which the
 * engine reads from that variable's default (flow settings).
 */
import { isObject } from "../../../shared/http";
import { operatorsFor } from "../../../segments/subjects";
import type { OperatorInfo, OperatorTable } from "../../../segments/types";
import type { JsonObject } from "../../types";
import { OPERATOR_LABELS } from "../../variables";
import { str } from "../message/config";
import type { Exit } from "../types";

export type GroupOp = "and" | "or";

export interface AttributeCondition {
  attribute: string;
  operator: string;
  /** A constant of the attribute's type, a number of days, or {"variable": name}; absent for "is empty". */
  value?: unknown;
}

export interface RuleGroup {
  op: GroupOp;
  rules: RuleNode[];
}

export type RuleNode = RuleGroup | AttributeCondition;

export const emptyGroup = (op: GroupOp = "and"): RuleGroup => ({ op, rules: [] });

export function isGroup(node: RuleNode): node is RuleGroup {
  return "rules" in node;
}

function readNode(value: unknown): RuleNode {
  if (isObject(value) && Array.isArray(value.rules)) {
    return { op: value.op === "or" ? "or" : "and", rules: value.rules.map(readNode) };
  }
  const condition = isObject(value) ? value : {};
  const read: AttributeCondition = { attribute: str(condition.attribute), operator: str(condition.operator) };
  if (condition.value !== undefined) {
    read.value = condition.value;
  }
  return read;
}

/** The rules as a group: a lone condition is wrapped, anything unreadable is an empty group. */
export function readRules(config: JsonObject): RuleGroup {
  const rules = config.rules;
  if (!isObject(rules)) {
    return emptyGroup();
  }
  const node = readNode(rules);
  return isGroup(node) ? node : { op: "and", rules: [node] };
}

export function isVariableValue(value: unknown): value is { variable: string } {
  return isObject(value) && typeof value.variable === "string";
}

/** The operators an attribute offers, from the server's table (those of its data type). */
export function attributeOperators(table: OperatorTable, attribute: string): OperatorInfo[] {
  return attribute ? operatorsFor(table, { type: "attribute", ref: attribute }) : [];
}

function dataTypeOf(table: OperatorTable, attribute: string): string | undefined {
  return table.attributes.find((info) => info.key === attribute)?.data_type;
}

/** The condition on another attribute: the operator kept when its type offers it (else the first), the
 * value (or variable) kept when the data type is the same. */
export function withAttribute(table: OperatorTable, condition: AttributeCondition, attribute: string): AttributeCondition {
  const operators = attributeOperators(table, attribute);
  const operator = operators.some((op) => op.name === condition.operator) ? condition.operator : (operators[0]?.name ?? "");
  const sameType = dataTypeOf(table, attribute) === dataTypeOf(table, condition.attribute);
  return withOperator(table, { attribute, operator, ...(sameType ? { value: condition.value } : {}) }, operator);
}

/** The condition with another operator: no value when it takes none; the value kept while the kind of
 * value stays the same, and a variable kept while it takes one at all. */
export function withOperator(table: OperatorTable, condition: AttributeCondition, operator: string): AttributeCondition {
  const operators = attributeOperators(table, condition.attribute);
  const before = operators.find((op) => op.name === condition.operator)?.value;
  const after = operators.find((op) => op.name === operator)?.value;
  const { attribute } = condition;
  if (after === "none") {
    return { attribute, operator };
  }
  const keep = isVariableValue(condition.value) || (before === after && condition.value !== undefined);
  return keep ? { attribute, operator, value: condition.value } : { attribute, operator };
}

/** The condition compared with a constant ("value") or with a flow variable's default ("variable"). */
export function withValueSource(condition: AttributeCondition, source: "value" | "variable", variable = ""): AttributeCondition {
  const { attribute, operator } = condition;
  return source === "variable" ? { attribute, operator, value: { variable } } : { attribute, operator };
}

/** A condition's path in the document ("rules[1].rules[0]") for the server's issue of `field` / `message`:
 * the core names it in the field ("config.rules.rules[1]"), the database checks in the message's end
 * ("… (rules[1].rules[0].value)"). Null for issues about the rules as a whole. */
export function issuePath(field: string | null, message: string): string | null {
  const fromField = field?.startsWith("config.rules.") ? field.slice("config.rules.".length) : null;
  const fromMessage = /\((rules\[\d+\][^)]*)\)$/.exec(message)?.[1] ?? null;
  const rulePath = /^(rules\[\d+\](?:\.rules\[\d+\])*)/.exec(fromField ?? fromMessage ?? "");
  return rulePath?.[1] ?? null;
}

/** Every condition of the document, however deep. */
export function leaves(group: RuleGroup): AttributeCondition[] {
  return group.rules.flatMap((node) => (isGroup(node) ? leaves(node) : [node]));
}

function operatorWords(operator: string): string {
  return OPERATOR_LABELS[operator] ?? operator.replaceAll("_", " ");
}

function valueWords(value: unknown, operator: string): string {
  if (value === undefined) {
    return "";
  }
  if (isVariableValue(value)) {
    return ` variables.${value.variable || "…"}`;
  }
  if (typeof value === "number" && /^(will_be|was)/.test(operator)) {
    return ` ${value} day${value === 1 ? "" : "s"}`;
  }
  if (isObject(value) && typeof value.amount === "number" && typeof value.unit === "string") {
    return ` ${value.amount} ${value.unit}`;
  }
  if (typeof value === "boolean") {
    return value ? " yes" : " no";
  }
  return ` ${typeof value === "string" ? value : JSON.stringify(value)}`;
}

/** "opt_in is yes", "birth_date is today", "city is variables.home_city". */
export function describeCondition({ attribute, operator, value }: AttributeCondition): string {
  return `${attribute || "(no attribute)"} ${operatorWords(operator) || "…"}${valueWords(value, operator)}`;
}

/** The node's lines: the one condition, or how many must hold and the first few of them. */
export function profileChangeSummary(group: RuleGroup, shown = 3): string[] {
  const all = leaves(group);
  if (all.length <= 1) {
    return all.map(describeCondition);
  }
  // With nested groups the top operator alone does not say which must hold.
  const nested = group.rules.some(isGroup);
  const head = nested ? `${all.length} conditions` : `${group.op === "or" ? "Any" : "All"} of ${all.length} conditions`;
  const more = all.length > shown ? [`and ${all.length - shown} more`] : [];
  return [head, ...all.slice(0, shown).map(describeCondition), ...more];
}

export const profileChangeExits = (): Exit[] => [{ name: "next", label: "Next" }];

/** The rules' issues by the condition they concern (its path), and those about the rules as a whole. */
export function placeRuleIssues(issues: readonly { field: string | null; message: string }[]): {
  byPath: ReadonlyMap<string, string[]>;
  general: string[];
} {
  const byPath = new Map<string, string[]>();
  const general: string[] = [];
  for (const issue of issues) {
    if (issue.field !== "config.rules" && !issue.field?.startsWith("config.rules.")) {
      continue;
    }
    const path = issuePath(issue.field, issue.message);
    if (path === null) {
      general.push(issue.message);
    } else {
      byPath.set(path, [...(byPath.get(path) ?? []), issue.message]);
    }
  }
  return { byPath, general };
}

/** "rules[1].rules[0]" → "1-0": a row's path as a test id suffix. */
export function pathId(path: string): string {
  return [...path.matchAll(/\[(\d+)\]/g)].map((match) => match[1]).join("-");
}
