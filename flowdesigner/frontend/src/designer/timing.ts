/**
 * Durations as the engine reads them (engine/core/timing.py): {"amount": integer, "unit": one of UNITS}.
 * Waits, time limits and reply timeouts use them; a wait's offset is the same shape with a signed amount.
 */
import { isObject } from "../shared/http";

export const UNITS = ["seconds", "minutes", "hours", "days", "weeks"] as const;
export type Unit = (typeof UNITS)[number];

export interface Duration {
  amount: number;
  unit: Unit;
}

const SECONDS: Record<Unit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400, weeks: 604800 };
/** The longest wait or timeout a flow may ask for: ten years (3653 days), as the engine. */
const MAX_SECONDS = 3653 * SECONDS.days;

export function isUnit(value: unknown): value is Unit {
  return UNITS.includes(value as Unit);
}

/** The duration as stored, or null when it is missing or not a duration. */
export function readDuration(value: unknown): Duration | null {
  if (!isObject(value) || !isUnit(value.unit) || typeof value.amount !== "number" || !Number.isFinite(value.amount)) {
    return null;
  }
  return { amount: value.amount, unit: value.unit };
}

/** "1 day", "2 days", "-1 hour": as the engine's timing.describe(). */
export function describeDuration({ amount, unit }: Duration): string {
  return `${amount} ${Math.abs(amount) === 1 ? unit.slice(0, -1) : unit}`;
}

/** Why a duration cannot be used (what the engine will say), or null. A hint; the server validates. */
export function durationProblem(value: Duration | null, what: string, allowZero = false): string | null {
  if (value === null) {
    return `Set the ${what}.`;
  }
  if (!Number.isInteger(value.amount)) {
    return `The ${what} is a whole number of ${value.unit}.`;
  }
  if (value.amount < 0 || (value.amount === 0 && !allowZero)) {
    return `The ${what} must be more than zero.`;
  }
  if (value.amount * SECONDS[value.unit] > MAX_SECONDS) {
    return `The ${what} is longer than ten years.`;
  }
  return null;
}

/** A whole number typed in an amount input; NaN (an emptied input) as 0. */
export function amountFromInput(valueAsNumber: number): number {
  return Number.isFinite(valueAsNumber) ? Math.trunc(valueAsNumber) : 0;
}

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether `value` is a time of day as the engine reads it, "HH:MM". */
export function isLocalTime(value: string): boolean {
  return LOCAL_TIME.test(value);
}
