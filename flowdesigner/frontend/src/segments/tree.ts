/**
 * The rule tree as the builder edits it, and its pure operations: edits by dotted path ("root",
 * "root.0", "root.1.2"), conversion to and from the server's rule document, and mapping the server's
 * error paths ("rules[1].rules[0].operator") onto rows.
 */
import type { ConditionDoc, GroupDoc, GroupOp, RuleDoc } from "./types";

export type SubjectType = "attribute" | "tag" | "company" | "segment";

export interface Subject {
  type: SubjectType;
  /** An attribute key, or a tag/company/segment id. */
  ref: string | number;
}

export interface UiCondition {
  kind: "condition";
  subject: Subject | null;
  operator: string;
  /** What the value input holds; coerced to the operator's value kind when sent. */
  value: string;
}

export interface UiGroup {
  kind: "group";
  op: GroupOp;
  rules: UiNode[];
}

export type UiNode = UiGroup | UiCondition;

export const ROOT = "root";

export function emptyCondition(): UiCondition {
  return { kind: "condition", subject: null, operator: "", value: "" };
}

export function emptyGroup(op: GroupOp = "and"): UiGroup {
  return { kind: "group", op, rules: [] };
}

// --- paths -------------------------------------------------------------------------------------

export function childPath(path: string, index: number): string {
  return `${path}.${index}`;
}

function indexes(path: string): number[] {
  if (path === ROOT) {
    return [];
  }
  if (!path.startsWith(`${ROOT}.`)) {
    throw new Error(`Not a rule path: ${path}`);
  }
  return path
    .slice(ROOT.length + 1)
    .split(".")
    .map((part) => {
      const index = Number(part);
      if (!Number.isInteger(index) || index < 0) {
        throw new Error(`Not a rule path: ${path}`);
      }
      return index;
    });
}

export function nodeAt(root: UiGroup, path: string): UiNode | undefined {
  let node: UiNode | undefined = root;
  for (const index of indexes(path)) {
    node = node?.kind === "group" ? node.rules[index] : undefined;
  }
  return node;
}

/** A copy of the tree with the node at `path` replaced by `change(node)`; unrelated branches are shared. */
export function updateAt(root: UiGroup, path: string, change: (node: UiNode) => UiNode): UiGroup {
  const walk = (node: UiNode, rest: number[]): UiNode => {
    if (rest.length === 0) {
      return change(node);
    }
    const [index, ...tail] = rest;
    if (node.kind !== "group" || index === undefined || index >= node.rules.length) {
      throw new Error(`No rule at ${path}`);
    }
    return { ...node, rules: node.rules.map((child, i) => (i === index ? walk(child, tail) : child)) };
  };
  const result = walk(root, indexes(path));
  if (result.kind !== "group") {
    throw new Error("The root stays a group.");
  }
  return result;
}

function appendTo(root: UiGroup, groupPath: string, child: UiNode): UiGroup {
  return updateAt(root, groupPath, (node) => {
    if (node.kind !== "group") {
      throw new Error(`${groupPath} is not a group`);
    }
    return { ...node, rules: [...node.rules, child] };
  });
}

export function addCondition(root: UiGroup, groupPath: string): UiGroup {
  return appendTo(root, groupPath, emptyCondition());
}

/** A new sub-group, with the other operator than its parent's and one empty condition to fill in. */
export function addGroup(root: UiGroup, groupPath: string): UiGroup {
  const parent = nodeAt(root, groupPath);
  const op: GroupOp = parent?.kind === "group" && parent.op === "and" ? "or" : "and";
  return appendTo(root, groupPath, { ...emptyGroup(op), rules: [emptyCondition()] });
}

export function removeAt(root: UiGroup, path: string): UiGroup {
  const parts = indexes(path);
  if (parts.length === 0) {
    throw new Error("The root group cannot be removed.");
  }
  const parentPath = [ROOT, ...parts.slice(0, -1)].join(".");
  const index = parts[parts.length - 1];
  return updateAt(root, parentPath, (node) =>
    node.kind === "group" ? { ...node, rules: node.rules.filter((_, i) => i !== index) } : node,
  );
}

export function toggleOp(root: UiGroup, groupPath: string): UiGroup {
  return updateAt(root, groupPath, (node) =>
    node.kind === "group" ? { ...node, op: node.op === "and" ? "or" : "and" } : node,
  );
}

export function setCondition(root: UiGroup, path: string, change: Partial<UiCondition>): UiGroup {
  return updateAt(root, path, (node) => (node.kind === "condition" ? { ...node, ...change } : node));
}

// --- server error paths -------------------------------------------------------------------------

export type ErrorField = "subject" | "operator" | "value" | "row";

export interface RowError {
  /** The dotted path of the row (condition or group) the error concerns. */
  path: string;
  field: ErrorField;
  message: string;
}

const SUBJECT_KEYS = new Set(["attribute", "tag", "company", "segment"]);

/** "rules[1].rules[0].operator" → {path: "root.1.0", field: "operator"}; "" or "(root)" → the root. */
export function fromServerPath(serverPath: string): { path: string; field: ErrorField } {
  let path = ROOT;
  let field: ErrorField = "row";
  const tokens = serverPath === "(root)" ? [] : serverPath.split(".").filter((token) => token !== "");
  for (const token of tokens) {
    const match = /^rules\[(\d+)\]$/.exec(token);
    if (match) {
      path = childPath(path, Number(match[1]));
      field = "row";
    } else if (token === "operator" || token === "value") {
      field = token;
    } else if (SUBJECT_KEYS.has(token)) {
      field = "subject";
    } else {
      field = "row"; // "op", "rules" or an unknown key: the row as a whole
    }
  }
  return { path, field };
}

/** The server path of a dotted path: "root.1.0" → "rules[1].rules[0]". */
export function toServerPath(path: string): string {
  return indexes(path)
    .map((index) => `rules[${index}]`)
    .join(".");
}

export function rowErrors(errors: { path: string; message: string }[]): RowError[] {
  return errors.map((error) => ({ ...fromServerPath(error.path), message: error.message }));
}

// --- to and from the server's document ----------------------------------------------------------

export function fromDoc(doc: RuleDoc, readValue: (condition: ConditionDoc) => string): UiNode {
  if ("op" in doc && Array.isArray((doc as GroupDoc).rules)) {
    const group = doc as GroupDoc;
    return { kind: "group", op: group.op === "or" ? "or" : "and", rules: group.rules.map((r) => fromDoc(r, readValue)) };
  }
  const condition = doc as ConditionDoc;
  return {
    kind: "condition",
    subject: subjectOf(condition),
    operator: condition.operator ?? "",
    value: readValue(condition),
  };
}

function subjectOf(condition: ConditionDoc): Subject | null {
  if (typeof condition.attribute === "string") {
    return { type: "attribute", ref: condition.attribute };
  }
  for (const type of ["tag", "company", "segment"] as const) {
    const ref = condition[type];
    if (typeof ref === "number") {
      return { type, ref };
    }
  }
  return null;
}

export function toDoc(node: UiNode, writeValue: (condition: UiCondition) => unknown): RuleDoc {
  if (node.kind === "group") {
    return { op: node.op, rules: node.rules.map((child) => toDoc(child, writeValue)) };
  }
  const doc: Record<string, unknown> = {};
  if (node.subject) {
    doc[node.subject.type] = node.subject.ref;
  }
  doc.operator = node.operator;
  const value = writeValue(node);
  if (value !== undefined) {
    doc.value = value;
  }
  return doc as ConditionDoc;
}
