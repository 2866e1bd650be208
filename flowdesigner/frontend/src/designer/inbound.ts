/**
 * Inbound text conditions and captures as the engine stores and checks them (engine/core/inbound.py):
 * what an Inbound Message entry and an Evaluate inbound reply step compare a person's text with, and what
 * an Inbound Message saves of the message into flow variables.
 */
import { isObject } from "../shared/http";
import type { JsonObject } from "./types";

// --- conditions --------------------------------------------------------------------------------------

/** In the seed's order, which is also the order the operators are offered in. */
export const INBOUND_OPERATORS = [
  "matches_text",
  "contains_text",
  "contains_word",
  "matches_regex",
  "equals_attribute",
  "anything",
] as const;
export type InboundOperator = (typeof INBOUND_OPERATORS)[number];

export const INBOUND_OPERATOR_LABELS: Record<InboundOperator, string> = {
  matches_text: "Matches text",
  contains_text: "Contains text",
  contains_word: "Contains word",
  matches_regex: "Matches RegEx",
  equals_attribute: "Is equal to person attribute",
  anything: "Anything",
};

/** The operators compared with a list of values. */
export const TEXT_OPERATORS: ReadonlySet<string> = new Set(["matches_text", "contains_text", "contains_word"]);

/** The engine refuses longer patterns. */
export const MAX_PATTERN_LENGTH = 1000;

/** A condition with every key the editor needs; `operator` is kept as stored even when unknown, so an
 * imported condition is not changed just by being shown. */
export interface InboundCondition {
  operator: string;
  values: string[];
  pattern: string;
  ignore_case: boolean;
  multiline: boolean;
  attribute: string;
}

export function isInboundOperator(value: unknown): value is InboundOperator {
  return INBOUND_OPERATORS.includes(value as InboundOperator);
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** One stored condition with defaults for missing or malformed keys. */
export function readCondition(value: unknown): InboundCondition {
  const stored = isObject(value) ? value : {};
  return {
    operator: typeof stored.operator === "string" ? stored.operator : "matches_text",
    values: Array.isArray(stored.values) ? stored.values.map(text) : [],
    pattern: text(stored.pattern),
    ignore_case: stored.ignore_case === true,
    multiline: stored.multiline === true,
    attribute: text(stored.attribute),
  };
}

/** The stored conditions; a missing or malformed list reads as none. */
export function readConditions(value: unknown): InboundCondition[] {
  return Array.isArray(value) ? value.map(readCondition) : [];
}

/** A condition as stored: only the keys its operator uses (the engine reads nothing else). */
export function writeCondition(condition: InboundCondition): JsonObject {
  const { operator } = condition;
  if (TEXT_OPERATORS.has(operator)) {
    return { operator, values: condition.values };
  }
  switch (operator) {
    case "matches_regex":
      return {
        operator,
        pattern: condition.pattern,
        ignore_case: condition.ignore_case,
        multiline: condition.multiline,
      };
    case "equals_attribute":
      return { operator, attribute: condition.attribute };
    default:
      return { operator };
  }
}

/** What a new condition starts as: "Matches text" with one empty value to type in. */
export function newCondition(): InboundCondition {
  return readCondition({ operator: "matches_text", values: [""] });
}

/** The condition after choosing `operator`: the values stay when moving between the text operators, and a
 * text operator always has at least one value to type in. */
export function withOperator(condition: InboundCondition, operator: string): InboundCondition {
  const changed = { ...condition, operator };
  if (TEXT_OPERATORS.has(operator) && changed.values.length === 0) {
    changed.values = [""];
  }
  return changed;
}

const quoted = (values: readonly string[]): string => values.map((value) => `"${value}"`).join(", ");

/** The condition in a few words, for a node: 'Matches text: "yes", "y"', "Matches RegEx: ^stop$ (ignore case)". */
export function describeCondition(condition: InboundCondition): string {
  const label = isInboundOperator(condition.operator) ? INBOUND_OPERATOR_LABELS[condition.operator] : condition.operator;
  if (TEXT_OPERATORS.has(condition.operator)) {
    const values = condition.values.filter((value) => value.trim() !== "");
    return values.length > 0 ? `${label}: ${quoted(values)}` : `${label}: (no value yet)`;
  }
  switch (condition.operator) {
    case "matches_regex": {
      const flags = [condition.ignore_case && "ignore case", condition.multiline && "multiline"].filter(Boolean);
      const pattern = condition.pattern || "(no pattern yet)";
      return flags.length > 0 ? `${label}: ${pattern} (${flags.join(", ")})` : `${label}: ${pattern}`;
    }
    case "equals_attribute":
      return `${label}: ${condition.attribute || "(no attribute yet)"}`;
    default:
      return label;
  }
}

/**
 * Why the engine would refuse the condition, or null: a hint shown while typing. The server decides (it
 * also compiles the pattern with RE2, whose syntax differs from the browser's RegExp, so that is left to it).
 */
export function conditionProblem(condition: InboundCondition): string | null {
  if (TEXT_OPERATORS.has(condition.operator)) {
    if (condition.values.length === 0) {
      return "Add at least one value.";
    }
    return condition.values.some((value) => value.trim() === "") ? "Fill in every value, or remove the empty one." : null;
  }
  switch (condition.operator) {
    case "matches_regex":
      if (condition.pattern === "") {
        return "Enter a regular expression.";
      }
      return condition.pattern.length > MAX_PATTERN_LENGTH
        ? `The pattern is longer than ${MAX_PATTERN_LENGTH} characters.`
        : null;
    case "equals_attribute":
      return condition.attribute ? null : "Choose the person attribute to compare with.";
    case "anything":
      return null;
    default:
      return `“${condition.operator}” is not an operator of this designer.`;
  }
}

// --- captures ----------------------------------------------------------------------------------------

export const CAPTURE_SOURCES = ["body", "recipient", "sender", "message_id", "gateway_id"] as const;
export type CaptureSource = (typeof CAPTURE_SOURCES)[number];

export const CAPTURE_SOURCE_LABELS: Record<CaptureSource, string> = {
  body: "Message body",
  recipient: "Recipient",
  sender: "Sender",
  message_id: "Message ID",
  gateway_id: "Gateway ID",
};

/** One "save this part of the message in a variable": the whole text when `pattern` is "", else what the
 * pattern parses out of it (its first group, or the whole match without groups). */
export interface Capture {
  source: string;
  variable: string;
  pattern: string;
}

export function isCaptureSource(value: unknown): value is CaptureSource {
  return CAPTURE_SOURCES.includes(value as CaptureSource);
}

/** The stored captures; malformed entries read with defaults. */
export function readCaptures(value: unknown): Capture[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.map((item) => {
    const stored = isObject(item) ? item : {};
    return {
      source: typeof stored.source === "string" ? stored.source : "body",
      variable: text(stored.variable),
      pattern: text(stored.pattern),
    };
  });
}

/** "Sender → phone", "Message body (RegExp parse) → code". */
export function describeCapture(capture: Capture): string {
  const source = isCaptureSource(capture.source) ? CAPTURE_SOURCE_LABELS[capture.source] : capture.source;
  const how = capture.pattern ? " (RegExp parse)" : "";
  return `${source}${how} → ${capture.variable || "?"}`;
}
