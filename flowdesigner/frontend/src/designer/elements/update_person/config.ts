import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export const SOURCES = ["value", "variable", "template"] as const;
export type Source = (typeof SOURCES)[number];

export const SOURCE_LABELS: Record<Source, string> = {
  value: "to a value",
  variable: "from a variable",
  template: "from a template",
};

export interface AttributeUpdate {
  attribute: string;
  action: "set" | "clear";
  source: Source;
  /** The constant (JSON as the people API takes it), the variable's name or the template. */
  value: unknown;
}

export function readUpdates(config: JsonObject): AttributeUpdate[] {
  const updates = Array.isArray(config.updates) ? config.updates : [];
  return updates.filter(isObject).map((update) => ({
    attribute: str(update.attribute),
    action: update.action === "clear" ? "clear" : "set",
    source: SOURCES.includes(update.source as Source) ? (update.source as Source) : "value",
    value: update.value,
  }));
}

/** As stored: a cleared attribute keeps only its key and action. */
export function writeUpdate(update: AttributeUpdate): JsonObject {
  if (update.action === "clear") {
    return { attribute: update.attribute, action: "clear" };
  }
  return { attribute: update.attribute, action: "set", source: update.source, value: update.value ?? "" };
}

export const updatePersonExits = (): Exit[] => [{ name: "next", label: "Next" }];

/** "Set city, first_name, clear score": what the node shows; "" with no attribute chosen yet. */
export function updatesSummary(updates: readonly AttributeUpdate[]): string {
  const keys = (action: AttributeUpdate["action"]) =>
    updates.filter((update) => update.action === action && update.attribute.trim()).map((update) => update.attribute.trim());
  const parts = [];
  const set = keys("set");
  const clear = keys("clear");
  if (set.length > 0) {
    parts.push(`set ${set.join(", ")}`);
  }
  if (clear.length > 0) {
    parts.push(`clear ${clear.join(", ")}`);
  }
  const text = parts.join(", ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The attribute keys updated more than once (the engine refuses a second update of a key). */
export function duplicateAttributes(updates: readonly AttributeUpdate[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const update of updates) {
    const key = update.attribute.trim();
    if (key && seen.has(key)) {
      twice.add(key);
    }
    seen.add(key);
  }
  return [...twice];
}

/** A typed number as a JSON number when it is one ("12", "-3.5"), else as typed (a half-typed "1."). */
export function numberValue(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : text;
}

/** "golf, tennis" → ["golf", "tennis"]: a list attribute's items. */
export function listValue(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
