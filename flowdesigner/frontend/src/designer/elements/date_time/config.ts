/**
 * Date or Time (engine/core/elements/date_time.py): a person enters at a moment set by a DATE or
 * DATETIME attribute of theirs, in their timezone. `offset` only for "is in" and "was"; minutes and
 * hours only for DATETIME attributes (a DATE has no time of day).
 */
import { describeDuration, readDuration, type Duration, type Unit } from "../../timing";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export const DATE_OPERATORS = ["is_in", "was", "is_today", "is_tomorrow", "was_yesterday"] as const;
export type DateOperator = (typeof DATE_OPERATORS)[number];

export const DATE_OPERATOR_LABELS: Record<DateOperator, string> = {
  is_in: "is in",
  was: "was",
  is_today: "is today",
  is_tomorrow: "is tomorrow",
  was_yesterday: "was yesterday",
};

/** When each operator lets the person in, in the seed's words. */
export const DATE_OPERATOR_HINTS: Record<DateOperator, string> = {
  is_in: "That long before the moment the attribute holds.",
  was: "That long after the moment the attribute holds.",
  is_today: "At the start of the day the attribute holds.",
  is_tomorrow: "At the start of the day before it.",
  was_yesterday: "At the start of the day after it.",
};

export const OFFSET_UNITS: readonly Unit[] = ["minutes", "hours", "days", "weeks"];
const DAY_UNITS: readonly Unit[] = ["days", "weeks"];
export const DEFAULT_OFFSET: Duration = { amount: 1, unit: "days" };

export interface DateTimeConfig {
  attribute: string;
  operator: DateOperator;
  offset: Duration | null;
}

export function readDateTime(config: JsonObject): DateTimeConfig {
  const operator = DATE_OPERATORS.includes(config.operator as DateOperator) ? (config.operator as DateOperator) : "is_today";
  return { attribute: str(config.attribute), operator, offset: readDuration(config.offset) };
}

export function takesOffset(operator: DateOperator): boolean {
  return operator === "is_in" || operator === "was";
}

/** The offset units an attribute allows: a date has no hours (undefined: not known yet, all). */
export function offsetUnits(dataType: string | undefined): readonly Unit[] {
  return dataType === "DATE" ? DAY_UNITS : OFFSET_UNITS;
}

/** `config` with another operator: an offset added for "is in" / "was" (the one it had, or 1 day),
 * dropped for the others, which have none. */
export function withDateOperator(config: JsonObject, operator: DateOperator): JsonObject {
  const { offset, ...rest } = config;
  return takesOffset(operator) ? { ...rest, operator, offset: readDuration(offset) ?? { ...DEFAULT_OFFSET } } : { ...rest, operator };
}

/** `config` on another attribute of `dataType`: an offset in hours or minutes becomes days for a date. */
export function withDateAttribute(config: JsonObject, attribute: string, dataType: string | undefined): JsonObject {
  const offset = readDuration(config.offset);
  if (offset && !offsetUnits(dataType).includes(offset.unit)) {
    return { ...config, attribute, offset: { ...offset, unit: "days" } };
  }
  return { ...config, attribute };
}

/** "appointmentAt is in 4 hours", "trialEnd was 1 day ago", "birth_date is today"; "" with no attribute. */
export function dateTimeSummary({ attribute, operator, offset }: DateTimeConfig): string {
  if (!attribute.trim()) {
    return "";
  }
  const label = DATE_OPERATOR_LABELS[operator];
  if (!takesOffset(operator)) {
    return `${attribute} ${label}`;
  }
  const amount = offset ? describeDuration(offset) : "…";
  return operator === "was" ? `${attribute} was ${amount} ago` : `${attribute} is in ${amount}`;
}

export const dateTimeExits = (): Exit[] => [{ name: "next", label: "Next" }];
