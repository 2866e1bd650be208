/**
 * The rule tree as the builder edits it, and its pure operations: edits by dotted path ("root",
 * "root.0", "root.1.2"), conversion to and from the server's rule document, and mapping the server's
 * error paths ("rules[1].rules[0].operator") onto rows.
 */
import type { ConditionDoc, GroupDoc, GroupOp, PropertyFilterDoc, RuleDoc } from "./types";

export type SubjectType = "attribute" | "tag" | "company" | "segment" | "event";

export interface Subject {
  type: SubjectType;
  /** An attribute or event key, or a tag/company/segment id. */
  ref: string | number;
}

export type WindowUnit = "minutes" | "hours" | "days";
export const WINDOW_UNITS: WindowUnit[] = ["minutes", "hours", "days"];
export type CountOp = "gte" | "lte" | "eq";
export const COUNT_OPS: CountOp[] = ["gte", "lte", "eq"];

/** One property filter of an event row, as its inputs hold it. */
export interface UiPropertyFilter {
  property: string;
  operator: string;
  value: string;
}

/** What an event row adds to a condition: all optional (no window, at least once, no filters). */
export interface UiEventCriteria {
  within: { amount: string; unit: string } | null;
  count: { operator: string; value: string } | null;
  properties: UiPropertyFilter[];
}

export interface UiCondition {
  kind: "condition";
  subject: Subject | null;
  operator: string;
  /** What the value input holds; coerced to the operator's value kind when sent. */
  value: string;
  /** Event conditions only. */
  event?: UiEventCriteria;
}

export function emptyEventCriteria(): UiEventCriteria {
  return { within: null, count: null, properties: [] };
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

// --- event rows ---------------------------------------------------------------------------------

function updateEvent(root: UiGroup, path: string, change: (criteria: UiEventCriteria) => UiEventCriteria): UiGroup {
  return updateAt(root, path, (node) =>
    node.kind === "condition" ? { ...node, event: change(node.event ?? emptyEventCriteria()) } : node,
  );
}

/** Sets or (null) removes the window. */
export function setEventWindow(root: UiGroup, path: string, within: UiEventCriteria["within"]): UiGroup {
  return updateEvent(root, path, (criteria) => ({ ...criteria, within }));
}

/** Sets or (null) removes the occurrence count. */
export function setEventCount(root: UiGroup, path: string, count: UiEventCriteria["count"]): UiGroup {
  return updateEvent(root, path, (criteria) => ({ ...criteria, count }));
}

export function addEventProperty(
  root: UiGroup,
  path: string,
  filter: UiPropertyFilter = { property: "", operator: "", value: "" },
): UiGroup {
  return updateEvent(root, path, (criteria) => ({ ...criteria, properties: [...criteria.properties, filter] }));
}

export function setEventProperty(root: UiGroup, path: string, index: number, change: Partial<UiPropertyFilter>): UiGroup {
  return updateEvent(root, path, (criteria) => {
    if (index < 0 || index >= criteria.properties.length) {
      throw new Error(`No property filter ${index} at ${path}`);
    }
    return { ...criteria, properties: criteria.properties.map((f, i) => (i === index ? { ...f, ...change } : f)) };
  });
}

export function removeEventProperty(root: UiGroup, path: string, index: number): UiGroup {
  return updateEvent(root, path, (criteria) => ({ ...criteria, properties: criteria.properties.filter((_, i) => i !== index) }));
}

// --- server error paths -------------------------------------------------------------------------

export type ErrorField =
  | "subject"
  | "operator"
  | "value"
  | "row"
  // event rows
  | "window"
  | "window-amount"
  | "window-unit"
  | "count"
  | "count-operator"
  | "count-value"
  | "properties"
  // one property filter of an event row (with `index`)
  | "property-row"
  | "property"
  | "property-operator"
  | "property-value";

export interface RowError {
  /** The dotted path of the row (condition or group) the error concerns. */
  path: string;
  field: ErrorField;
  /** The property filter's index, for the property-* fields. */
  index?: number;
  message: string;
}

export interface ErrorPlace {
  path: string;
  field: ErrorField;
  index?: number;
}

const SUBJECT_KEYS = new Set(["attribute", "tag", "company", "segment", "event"]);

/** The field of a condition that the rest of a server path (after its last "rules[n]") names. */
function conditionField(rest: string[]): { field: ErrorField; index?: number } {
  const [first, second, third] = rest;
  if (first === undefined) {
    return { field: "row" };
  }
  if (first === "operator") {
    return { field: rest.length === 1 ? first : "row" };
  }
  if (first === "value") {
    return { field: "value" }; // "value.amount", "value.unit": a duration's parts are one input
  }
  if (SUBJECT_KEYS.has(first)) {
    return { field: "subject" };
  }
  if (first === "within") {
    return { field: second === "amount" ? "window-amount" : second === "unit" ? "window-unit" : "window" };
  }
  if (first === "count") {
    return { field: second === "operator" ? "count-operator" : second === "value" ? "count-value" : "count" };
  }
  if (first === "properties") {
    // "properties[1]" arrives as the tokens "properties", "1"
    if (second === undefined || !/^\d+$/.test(second)) {
      return { field: "properties" };
    }
    const index = Number(second);
    const field: ErrorField =
      third === "property" ? "property" : third === "operator" ? "property-operator" : third === "value" ? "property-value" : "property-row";
    return { field, index };
  }
  return { field: "row" }; // "op", "rules" or an unknown key: the row as a whole
}

/**
 * "rules[1].rules[0].operator" → {path: "root.1.0", field: "operator"}; "" or "(root)" → the root;
 * "rules[0].properties[1].value" → {path: "root.0", field: "property-value", index: 1}.
 */
export function fromServerPath(serverPath: string): ErrorPlace {
  let path = ROOT;
  const tokens =
    serverPath === "(root)"
      ? []
      : serverPath
          .replace(/\[(\d+)\]/g, ".$1")
          .split(".")
          .filter((token) => token !== "");
  let i = 0;
  while (tokens[i] === "rules" && tokens[i + 1] !== undefined && /^\d+$/.test(tokens[i + 1] ?? "")) {
    path = childPath(path, Number(tokens[i + 1]));
    i += 2;
  }
  const { field, index } = conditionField(tokens.slice(i));
  return index === undefined ? { path, field } : { path, field, index };
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

const plainText = (value: unknown): string => (value === undefined || value === null ? "" : String(value));

export type ReadProperty = (condition: ConditionDoc, filter: PropertyFilterDoc) => string;
export type WriteProperty = (condition: UiCondition, filter: UiPropertyFilter) => unknown;

export function fromDoc(
  doc: RuleDoc,
  readValue: (condition: ConditionDoc) => string,
  readProperty: ReadProperty = (_, filter) => plainText(filter.value),
): UiNode {
  if ("op" in doc && Array.isArray((doc as GroupDoc).rules)) {
    const group = doc as GroupDoc;
    return {
      kind: "group",
      op: group.op === "or" ? "or" : "and",
      rules: group.rules.map((r) => fromDoc(r, readValue, readProperty)),
    };
  }
  const condition = doc as ConditionDoc;
  const subject = subjectOf(condition);
  const node: UiCondition = {
    kind: "condition",
    subject,
    operator: condition.operator ?? "",
    value: readValue(condition),
  };
  if (subject?.type === "event") {
    node.event = eventCriteriaOf(condition, readProperty);
  }
  return node;
}

function eventCriteriaOf(condition: ConditionDoc, readProperty: ReadProperty): UiEventCriteria {
  const { within, count, properties } = condition;
  return {
    within:
      within && typeof within === "object"
        ? { amount: plainText(within.amount), unit: typeof within.unit === "string" ? within.unit : "days" }
        : null,
    count:
      count && typeof count === "object"
        ? { operator: typeof count.operator === "string" ? count.operator : "gte", value: plainText(count.value) }
        : null,
    properties: Array.isArray(properties)
      ? properties.map((filter) => ({
          property: typeof filter?.property === "string" ? filter.property : "",
          operator: typeof filter?.operator === "string" ? filter.operator : "",
          value: readProperty(condition, filter ?? {}),
        }))
      : [],
  };
}

function subjectOf(condition: ConditionDoc): Subject | null {
  if (typeof condition.attribute === "string") {
    return { type: "attribute", ref: condition.attribute };
  }
  if (typeof condition.event === "string") {
    return { type: "event", ref: condition.event };
  }
  for (const type of ["tag", "company", "segment"] as const) {
    const ref = condition[type];
    if (typeof ref === "number") {
      return { type, ref };
    }
  }
  return null;
}

/** A whole number typed in an input as a number; blank as null; anything else as typed (the server names it). */
export function wholeNumber(text: string): number | string | null {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed === "" ? null : trimmed;
}

export function toDoc(
  node: UiNode,
  writeValue: (condition: UiCondition) => unknown,
  writeProperty: WriteProperty = (_, filter) => (filter.value === "" ? undefined : filter.value),
): RuleDoc {
  if (node.kind === "group") {
    return { op: node.op, rules: node.rules.map((child) => toDoc(child, writeValue, writeProperty)) };
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
  if (node.subject?.type === "event" && node.event) {
    const { within, count, properties } = node.event;
    if (within) {
      doc.within = { amount: wholeNumber(within.amount), unit: within.unit };
    }
    if (count) {
      doc.count = { operator: count.operator, value: wholeNumber(count.value) };
    }
    if (properties.length > 0) {
      doc.properties = properties.map((filter) => {
        const item: PropertyFilterDoc = { property: filter.property, operator: filter.operator };
        const written = writeProperty(node, filter);
        if (written !== undefined) {
          item.value = written;
        }
        return item;
      });
    }
  }
  return doc as ConditionDoc;
}
