/**
 * Flow variables as the engine declares and compares them (engine/core/variables.py and the variable
 * leaves of engine/core/conditions.py).
 */
import { isObject } from "../shared/http";

export const VARIABLE_TYPES = ["text", "number", "boolean", "date", "datetime", "list"] as const;
export type VariableType = (typeof VARIABLE_TYPES)[number];

export interface FlowVariable {
  name: string;
  type: VariableType;
  /** What a participant starts with (and what trigger conditions naming the variable compare with);
   * absent when there is none. */
  default?: unknown;
}

export const VARIABLE_TYPE_LABELS: Record<VariableType, string> = {
  text: "Text",
  number: "Number",
  boolean: "Yes / no",
  date: "Date",
  datetime: "Date and time",
  list: "List of texts",
};

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const NAME_RULE = "A variable name starts with a letter or _ and has only letters, digits and _ (at most 64).";

export function isVariableName(name: string): boolean {
  return NAME.test(name);
}

export function isVariableType(value: unknown): value is VariableType {
  return VARIABLE_TYPES.includes(value as VariableType);
}

/** The declarations as stored; malformed entries are skipped, an unknown type reads as text, a null
 * default as none. */
export function readVariables(value: unknown): FlowVariable[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.filter(isObject).map((item) => {
    const variable: FlowVariable = {
      name: typeof item.name === "string" ? item.name : "",
      type: isVariableType(item.type) ? item.type : "text",
    };
    if (item.default !== undefined && item.default !== null) {
      variable.default = item.default;
    }
    return variable;
  });
}

/** A declaration as stored: the default only when there is one. */
export function writeVariable({ name, type, default: value }: FlowVariable): FlowVariable {
  return value === undefined || value === null ? { name, type } : { name, type, default: value };
}

/** The input a default of each variable type is typed in (components/TypedValueInput). */
export const DEFAULT_INPUT: Record<VariableType, "text" | "number" | "boolean" | "date" | "datetime-local" | "list"> = {
  text: "text",
  number: "number",
  boolean: "boolean",
  date: "date",
  datetime: "datetime-local",
  list: "list",
};

/** Why the declaration at `index` is refused (as the engine will say), or null. */
export function declarationProblem(variables: readonly FlowVariable[], index: number): string | null {
  const name = variables[index]?.name ?? "";
  if (!isVariableName(name)) {
    return NAME_RULE;
  }
  if (variables.slice(0, index).some((other) => other.name === name)) {
    return `The variable "${name}" is declared twice.`;
  }
  return null;
}

/** The operators a condition on a variable of each type may use, in the engine's order. */
export const VARIABLE_OPERATORS: Record<VariableType, readonly string[]> = {
  text: ["is", "is_not", "contains", "not_contains", "starts_with", "ends_with", "is_empty", "is_not_empty"],
  number: ["is", "is_not", "lt", "lte", "gte", "gt", "is_empty", "is_not_empty"],
  boolean: ["is", "is_not", "is_empty"],
  date: ["is", "is_not", "before", "after", "is_empty", "is_not_empty"],
  datetime: ["before", "after", "is_empty", "is_not_empty"],
  list: ["contains", "not_contains", "is_empty", "is_not_empty"],
};

export const OPERATOR_LABELS: Record<string, string> = {
  is: "is",
  is_not: "is not",
  contains: "contains",
  not_contains: "does not contain",
  starts_with: "starts with",
  ends_with: "ends with",
  is_empty: "is empty",
  is_not_empty: "is not empty",
  lt: "<",
  lte: "≤",
  gte: "≥",
  gt: ">",
  before: "is before",
  after: "is after",
};

/** Operators that compare with no value. */
export const NO_VALUE_OPERATORS: ReadonlySet<string> = new Set(["is_empty", "is_not_empty"]);
