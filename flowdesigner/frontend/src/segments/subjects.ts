/**
 * What a condition tests (its subject), which operators it offers (by data type, from the server's
 * operator table) and how the value input's text becomes the JSON value the server expects.
 */
import {
  emptyEventCriteria,
  fromDoc,
  toDoc,
  wholeNumber,
  type Subject,
  type UiCondition,
  type UiGroup,
  type UiPropertyFilter,
} from "./tree";
import type {
  AttributeInfo,
  ConditionDoc,
  DataType,
  DurationUnit,
  EventInfo,
  EventPropertyInfo,
  GroupDoc,
  OperatorInfo,
  OperatorTable,
  PropertyFilterDoc,
  ValueKind,
} from "./types";

/** "attribute:first_name", "tag:3": a subject as a <select> option value. */
export function encodeSubject(subject: Subject | null): string {
  return subject ? `${subject.type}:${subject.ref}` : "";
}

export function decodeSubject(value: string): Subject | null {
  const colon = value.indexOf(":");
  if (colon < 0) {
    return null;
  }
  const type = value.slice(0, colon);
  const ref = value.slice(colon + 1);
  if (type === "attribute" && ref) {
    return { type, ref };
  }
  if (type === "event" && ref) {
    return { type, ref };
  }
  if ((type === "tag" || type === "company" || type === "segment") && /^\d+$/.test(ref)) {
    return { type, ref: Number(ref) };
  }
  return null;
}

export function attributeOf(table: OperatorTable, subject: Subject | null): AttributeInfo | undefined {
  return subject?.type === "attribute" ? table.attributes.find((a) => a.key === subject.ref) : undefined;
}

export function eventOf(table: OperatorTable, subject: Subject | null): EventInfo | undefined {
  return subject?.type === "event" ? (table.events ?? []).find((e) => e.key === subject.ref) : undefined;
}

export function eventPropertyOf(event: EventInfo | undefined, key: string): EventPropertyInfo | undefined {
  return event?.properties.find((p) => p.key === key);
}

/** Used when the server's table predates event conditions. */
const EVENT_OPERATORS: OperatorInfo[] = [
  { name: "happened", label: "happened", value: "none" },
  { name: "not_happened", label: "did not happen", value: "none" },
];

/** The data type whose operators apply, or the subject type for tags, companies, segments and events. */
export function subjectKind(
  table: OperatorTable,
  subject: Subject | null,
): DataType | "tag" | "company" | "segment" | "event" | null {
  if (!subject) {
    return null;
  }
  if (subject.type === "attribute") {
    return attributeOf(table, subject)?.data_type ?? null;
  }
  return subject.type;
}

/** The operators a subject offers, in the server's (the seed's) order. */
export function operatorsFor(table: OperatorTable, subject: Subject | null): OperatorInfo[] {
  const kind = subjectKind(table, subject);
  if (kind === null) {
    return [];
  }
  if (kind === "event") {
    return table.subjects.event ?? EVENT_OPERATORS;
  }
  if (kind === "tag" || kind === "company" || kind === "segment") {
    return table.subjects[kind] ?? [];
  }
  return table.data_types[kind] ?? [];
}

export function operatorInfo(table: OperatorTable, condition: UiCondition): OperatorInfo | undefined {
  return operatorsFor(table, condition.subject).find((op) => op.name === condition.operator);
}

/** The condition after choosing another subject: the operator is kept when the new subject offers it,
 * the value when the data type stayed the same. */
export function withSubject(table: OperatorTable, condition: UiCondition, subject: Subject | null): UiCondition {
  const operators = operatorsFor(table, subject);
  const sameKind = subjectKind(table, subject) === subjectKind(table, condition.subject);
  const operator = operators.some((op) => op.name === condition.operator) ? condition.operator : (operators[0]?.name ?? "");
  const next: UiCondition = { ...condition, subject, operator, value: sameKind ? condition.value : "" };
  if (subject?.type === "event") {
    // window and count carry over to another event; property filters belong to the event they were made for
    const before = condition.subject?.type === "event" ? (condition.event ?? emptyEventCriteria()) : emptyEventCriteria();
    const sameEvent = condition.subject?.type === "event" && condition.subject.ref === subject.ref;
    next.event = { ...before, properties: sameEvent ? before.properties : [] };
  } else {
    delete next.event;
  }
  return next;
}

// --- event property filters ---------------------------------------------------------------------

/** The operators of a property filter: those of the property's data type. */
export function propertyOperators(table: OperatorTable, condition: UiCondition, filter: UiPropertyFilter): OperatorInfo[] {
  const property = eventPropertyOf(eventOf(table, condition.subject), filter.property);
  return property ? (table.data_types[property.data_type] ?? []) : [];
}

export function propertyInput(table: OperatorTable, condition: UiCondition, filter: UiPropertyFilter): InputKind {
  const property = eventPropertyOf(eventOf(table, condition.subject), filter.property);
  const valueKind = propertyOperators(table, condition, filter).find((op) => op.name === filter.operator)?.value;
  return inputKind(valueKind, property?.data_type);
}

/** A new filter: the event's first property with its first operator. */
export function newPropertyFilter(table: OperatorTable, condition: UiCondition): UiPropertyFilter {
  const first = eventOf(table, condition.subject)?.properties[0];
  return withProperty(table, condition, { property: "", operator: "", value: "" }, first?.key ?? "");
}

/** The filter after choosing another property: operator kept when allowed, value when the type is the same. */
export function withProperty(
  table: OperatorTable,
  condition: UiCondition,
  filter: UiPropertyFilter,
  property: string,
): UiPropertyFilter {
  const event = eventOf(table, condition.subject);
  const before = eventPropertyOf(event, filter.property)?.data_type;
  const next = { ...filter, property };
  const operators = propertyOperators(table, condition, next);
  const operator = operators.some((op) => op.name === filter.operator) ? filter.operator : (operators[0]?.name ?? "");
  const sameType = before !== undefined && before === eventPropertyOf(event, property)?.data_type;
  return { property, operator, value: sameType && operator === filter.operator ? filter.value : "" };
}

export function withPropertyOperator(
  table: OperatorTable,
  condition: UiCondition,
  filter: UiPropertyFilter,
  operator: string,
): UiPropertyFilter {
  const operators = propertyOperators(table, condition, filter);
  const before = operators.find((op) => op.name === filter.operator)?.value;
  const after = operators.find((op) => op.name === operator)?.value;
  return { ...filter, operator, value: before === after ? filter.value : "" };
}

export function withOperator(table: OperatorTable, condition: UiCondition, operator: string): UiCondition {
  const before = operatorInfo(table, condition)?.value;
  const after = operatorsFor(table, condition.subject).find((op) => op.name === operator)?.value;
  return { ...condition, operator, value: before === after ? condition.value : "" };
}

/**
 * The input a value takes. Durations are an amount and a unit: "duration" for a date-time (minutes
 * and hours too), "day-duration" for a date (days and weeks: the server refuses minutes and hours there).
 * "days" (a bare number of days) is the input of the older value kind "days".
 */
export type InputKind =
  | "none"
  | "duration"
  | "day-duration"
  | "days"
  | "text"
  | "number"
  | "date"
  | "datetime-local"
  | "boolean"
  | "list-item";

export function inputKind(valueKind: ValueKind | undefined, dataType: DataType | undefined): InputKind {
  if (valueKind === undefined || valueKind === "none") {
    return "none";
  }
  if (valueKind === "duration") {
    return dataType === "DATETIME" ? "duration" : "day-duration";
  }
  if (valueKind === "days") {
    return "days";
  }
  switch (dataType) {
    case "BOOLEAN":
      return "boolean";
    case "NUMBER":
      return "number";
    case "DATE":
      return "date";
    case "DATETIME":
      return "datetime-local";
    case "LIST":
      return "list-item";
    default:
      return "text";
  }
}

const DURATION_UNITS: DurationUnit[] = ["minutes", "hours", "days", "weeks"];
const DAY_UNITS: DurationUnit[] = ["days", "weeks"];

/** The units a duration input offers. */
export function durationUnits(kind: InputKind): DurationUnit[] {
  return kind === "duration" ? DURATION_UNITS : DAY_UNITS;
}

/**
 * A duration as its input holds it: the amount's text and the unit, one space apart ("7 hours",
 * " weeks" before an amount is typed), so that a condition's value stays one string.
 */
export function durationText(amount: string, unit: string): string {
  return `${amount} ${unit}`;
}

/** The amount's text and the unit of a duration input's value; a value without a unit is in days. */
export function splitDuration(text: string): { amount: string; unit: string } {
  const space = text.lastIndexOf(" ");
  const unit = space < 0 ? "" : text.slice(space + 1).trim();
  return { amount: (space < 0 ? text : text.slice(0, space)).trim(), unit: unit || "days" };
}

export function conditionInput(table: OperatorTable, condition: UiCondition): InputKind {
  return inputKind(operatorInfo(table, condition)?.value, attributeOf(table, condition.subject)?.data_type);
}

/**
 * The JSON value to send for the input's text: numbers as numbers, durations as {amount, unit}, booleans
 * as true/false, local date-times as UTC instants; undefined when the operator takes no value. Text that
 * does not parse is sent as typed, so the server's message says what is wrong on the row.
 */
export function coerceValue(kind: InputKind, text: string): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case "none":
      return undefined;
    case "duration":
    case "day-duration": {
      const { amount, unit } = splitDuration(text);
      return amount === "" ? null : { amount: wholeNumber(amount), unit };
    }
    case "days":
      return wholeNumber(text);
    case "number": {
      if (trimmed === "") {
        return null;
      }
      const number = Number(trimmed);
      return Number.isFinite(number) ? number : trimmed;
    }
    case "boolean":
      return trimmed === "true" ? true : trimmed === "false" ? false : null;
    case "datetime-local": {
      if (trimmed === "") {
        return null;
      }
      const instant = new Date(trimmed); // a local date-time without offset is read in the browser's zone
      return Number.isNaN(instant.getTime()) ? trimmed : instant.toISOString();
    }
    default:
      return trimmed === "" ? null : text;
  }
}

/** The input's text for a stored value (the inverse of coerceValue). */
export function valueText(kind: InputKind, value: unknown): string {
  if (value === undefined || value === null) {
    return "";
  }
  if (kind === "duration" || kind === "day-duration") {
    if (typeof value === "number") {
      return durationText(String(value), "days"); // the older format: a number of days
    }
    if (typeof value === "object") {
      const { amount, unit } = value as { amount?: unknown; unit?: unknown };
      return durationText(amount === undefined || amount === null ? "" : String(amount), typeof unit === "string" ? unit : "days");
    }
  }
  if (kind === "datetime-local" && typeof value === "string") {
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime())) {
      return value;
    }
    const pad = (n: number) => String(n).padStart(2, "0");
    return (
      `${instant.getFullYear()}-${pad(instant.getMonth() + 1)}-${pad(instant.getDate())}` +
      `T${pad(instant.getHours())}:${pad(instant.getMinutes())}`
    );
  }
  return String(value);
}

/** The input kind of a stored condition, to read its value back into the builder. */
export function docInput(table: OperatorTable, condition: ConditionDoc): InputKind {
  const subject: Subject | null =
    typeof condition.attribute === "string" ? { type: "attribute", ref: condition.attribute } : null;
  const dataType = subject ? attributeOf(table, subject)?.data_type : undefined;
  const operators = subject ? operatorsFor(table, subject) : [];
  const valueKind = operators.find((op) => op.name === condition.operator)?.value;
  return inputKind(valueKind ?? (condition.value === undefined ? "none" : "value"), dataType);
}


/** The input kind of a stored property filter, to read its value back into the builder. */
export function docPropertyInput(table: OperatorTable, condition: ConditionDoc, filter: PropertyFilterDoc): InputKind {
  const event = (table.events ?? []).find((e) => e.key === condition.event);
  const dataType = eventPropertyOf(event, filter.property ?? "")?.data_type;
  const valueKind = dataType ? table.data_types[dataType]?.find((op) => op.name === filter.operator)?.value : undefined;
  return inputKind(valueKind ?? (filter.value === undefined ? "none" : "value"), dataType);
}

/** The builder's tree of a stored rule document, values read back into their inputs' text. */
export function treeFromDoc(table: OperatorTable, doc: GroupDoc): UiGroup {
  const root = fromDoc(
    doc,
    (condition) => valueText(docInput(table, condition), condition.value),
    (condition, filter) => valueText(docPropertyInput(table, condition, filter), filter.value),
  );
  return root.kind === "group" ? root : { kind: "group", op: "and", rules: [root] };
}

/** The rule document to send for the builder's tree, values coerced to what the server expects. */
export function docFromTree(table: OperatorTable, tree: UiGroup): GroupDoc {
  return toDoc(
    tree,
    (condition) => coerceValue(conditionInput(table, condition), condition.value),
    (condition, filter) => coerceValue(propertyInput(table, condition, filter), filter.value),
  ) as GroupDoc;
}
