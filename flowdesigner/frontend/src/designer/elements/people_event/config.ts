/**
 * People real-time event (engine/core/elements/people_event.py): a person enters when an event they just
 * had makes all the conditions true. Conditions are people event conditions (docs/segments.md, "Event
 * conditions"); "not happened" only beside a "happened", since a flow cannot start on something that
 * does not happen. `save` maps the triggering event's properties into flow variables.
 */
import { isObject } from "../../../shared/http";
import type { EventInfo, EventPropertyInfo } from "../../../segments/types";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";
import { savedSummary, type SavedProperty } from "../wait/config";

export const MAX_CONDITIONS = 10;
export const EVENT_OPERATORS = ["happened", "not_happened"] as const;
export type EventOperator = (typeof EVENT_OPERATORS)[number];
export const EVENT_OPERATOR_LABELS: Record<EventOperator, string> = { happened: "happened", not_happened: "did not happen" };

export const WINDOW_UNITS = ["minutes", "hours", "days"] as const;
export const COUNT_OPERATORS = ["gte", "lte", "eq"] as const;
export const COUNT_LABELS: Record<string, string> = { gte: "at least", lte: "at most", eq: "exactly" };

export interface PropertyFilter {
  property: string;
  operator: string;
  value?: unknown;
}

export interface EventCondition {
  event: string;
  operator: EventOperator;
  /** Only events this recent count; null: any time. Amounts as typed (null while empty). */
  within: { amount: unknown; unit: string } | null;
  /** How many such events; null: at least one. */
  count: { operator: string; value: unknown } | null;
  properties: PropertyFilter[];
}

export interface PeopleEventConfig {
  conditions: EventCondition[];
  save: SavedProperty[];
  includeHistorical: boolean;
}

function readCondition(item: JsonObject): EventCondition {
  const within = isObject(item.within) ? { amount: item.within.amount ?? null, unit: str(item.within.unit) || "days" } : null;
  const count = isObject(item.count) ? { operator: str(item.count.operator) || "gte", value: item.count.value ?? null } : null;
  const properties = (Array.isArray(item.properties) ? item.properties : []).filter(isObject).map((filter) => {
    const read: PropertyFilter = { property: str(filter.property), operator: str(filter.operator) };
    if (filter.value !== undefined) {
      read.value = filter.value;
    }
    return read;
  });
  return {
    event: str(item.event),
    operator: item.operator === "not_happened" ? "not_happened" : "happened",
    within,
    count,
    properties,
  };
}

export function readPeopleEvent(config: JsonObject): PeopleEventConfig {
  const conditions = Array.isArray(config.conditions) ? config.conditions.filter(isObject).map(readCondition) : [];
  const save = (Array.isArray(config.save) ? config.save : [])
    .filter(isObject)
    .map((item) => ({ property: str(item.property), variable: str(item.variable) }));
  return { conditions, save, includeHistorical: config.include_historical === true };
}

/** A condition as stored: the optional parts only when set. */
export function writeCondition(condition: EventCondition): JsonObject {
  const written: JsonObject = { event: condition.event, operator: condition.operator };
  if (condition.within) {
    written.within = { amount: condition.within.amount, unit: condition.within.unit };
  }
  if (condition.count) {
    written.count = { operator: condition.count.operator, value: condition.count.value };
  }
  if (condition.properties.length > 0) {
    written.properties = condition.properties.map((filter) =>
      filter.value === undefined ? { property: filter.property, operator: filter.operator } : { ...filter },
    );
  }
  return written;
}

/** A new condition: the first "happened" on the first event, or "not happened" once one happened is there
 * (the usual pair: A happened and B did not). */
export function newCondition(existing: readonly EventCondition[], events: readonly EventInfo[]): EventCondition {
  const operator = existing.some((condition) => condition.operator === "happened") ? "not_happened" : "happened";
  return { event: events[0]?.key ?? "", operator, within: null, count: null, properties: [] };
}

/** The condition on another event: window and count kept, property filters dropped (they were that event's). */
export function withEvent(condition: EventCondition, event: string): EventCondition {
  return event === condition.event ? condition : { ...condition, event, properties: [] };
}

/** Why these conditions cannot start the flow (as the engine says), or null. */
export function conditionsProblem(conditions: readonly EventCondition[]): string | null {
  if (conditions.some((condition) => condition.operator === "happened")) {
    return null;
  }
  return conditions.length === 0
    ? "Choose the event that starts the flow."
    : "Add a condition on an event that happened; “did not happen” can only go beside one.";
}

/** The properties that can be saved: those of the events whose arrival starts the flow. */
export function savableProperties(conditions: readonly EventCondition[], events: readonly EventInfo[]): EventPropertyInfo[] {
  const keys = new Set(conditions.filter((c) => c.operator === "happened").map((c) => c.event));
  const byKey = new Map<string, EventPropertyInfo>();
  for (const event of events.filter((candidate) => keys.has(candidate.key))) {
    for (const property of event.properties) {
      if (!byKey.has(property.key)) {
        byKey.set(property.key, property);
      }
    }
  }
  return [...byKey.values()];
}

function times(value: unknown): string {
  return `${String(value)} time${value === 1 ? "" : "s"}`;
}

/** "addToCart happened exactly 3 times in the last 7 days (with 1 property filter)". */
export function describeCondition(condition: EventCondition): string {
  const parts = [condition.event || "(no event)", EVENT_OPERATOR_LABELS[condition.operator]];
  if (condition.count && condition.count.value !== null && condition.count.value !== "") {
    parts.push(`${COUNT_LABELS[condition.count.operator] ?? condition.count.operator} ${times(condition.count.value)}`);
  }
  if (condition.within && condition.within.amount !== null && condition.within.amount !== "") {
    const unit = condition.within.amount === 1 ? condition.within.unit.replace(/s$/, "") : condition.within.unit;
    parts.push(`in the last ${String(condition.within.amount)} ${unit}`);
  }
  const filters = condition.properties.length;
  if (filters > 0) {
    parts.push(`(with ${filters} property filter${filters === 1 ? "" : "s"})`);
  }
  return parts.join(" ");
}

/** The node's lines: each condition, what is saved, whether earlier events count. */
export function peopleEventSummary(config: PeopleEventConfig): string[] {
  const saved = savedSummary(config.save);
  return [
    ...config.conditions.map(describeCondition),
    ...(saved ? [saved] : []),
    ...(config.includeHistorical ? ["Earlier events count too"] : []),
  ];
}

export const peopleEventExits = (): Exit[] => [{ name: "next", label: "Next" }];
