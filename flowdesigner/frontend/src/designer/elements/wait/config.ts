import { isObject } from "../../../shared/http";
import { describeDuration, readDuration, type Duration } from "../../timing";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export const WAIT_MODES = ["duration", "until", "attribute", "event"] as const;
export type WaitMode = (typeof WAIT_MODES)[number];

export const WAIT_MODE_LABELS: Record<WaitMode, string> = {
  duration: "For a while",
  until: "Until a date and time",
  attribute: "Relative to a date of the person",
  event: "Until an event happens",
};

export const NEXT_EXIT = "next";
export const TIMED_OUT_EXIT = "timed_out";
export const NO_DATE_EXIT = "no_date";

export interface SavedProperty {
  property: string;
  variable: string;
}

export interface WaitConfig {
  mode: WaitMode;
  duration: Duration | null;
  until: string;
  attribute: string;
  /** Signed: negative is before the date. */
  offset: Duration | null;
  /** "HH:MM" or "" (midnight); for date attributes. */
  time: string;
  event: string;
  timeout: Duration | null;
  save: SavedProperty[];
}

export const DEFAULT_DURATION: Duration = { amount: 1, unit: "days" };

function readMode(value: unknown): WaitMode {
  return WAIT_MODES.includes(value as WaitMode) ? (value as WaitMode) : "duration";
}

export function readWait(config: JsonObject): WaitConfig {
  const save = Array.isArray(config.save) ? config.save : [];
  return {
    mode: readMode(config.mode),
    duration: readDuration(config.duration),
    until: str(config.until),
    attribute: str(config.attribute),
    offset: readDuration(config.offset),
    time: str(config.time),
    event: str(config.event),
    timeout: readDuration(config.timeout),
    save: save.filter(isObject).map((item) => ({ property: str(item.property), variable: str(item.variable) })),
  };
}

/** The exits of a wait, as the engine's: "next", plus "timed out" waiting for an event or "no date"
 * waiting for a date the person may not have. */
export function waitExits(config: JsonObject): Exit[] {
  const next = { name: NEXT_EXIT, label: "Next" };
  switch (config.mode) {
    case "event":
      return [next, { name: TIMED_OUT_EXIT, label: "timed out" }];
    case "attribute":
      return [next, { name: NO_DATE_EXIT, label: "no date" }];
    default:
      return [next];
  }
}

/** The keys each mode reads; switching mode drops the others' so the saved config says only what counts. */
const MODE_KEYS: Record<WaitMode, readonly string[]> = {
  duration: ["duration"],
  until: ["until"],
  attribute: ["attribute", "offset", "time"],
  event: ["event", "timeout", "save"],
};

const MODE_DEFAULTS: Record<WaitMode, () => JsonObject> = {
  duration: () => ({ duration: { ...DEFAULT_DURATION } }),
  until: () => ({ until: "" }),
  attribute: () => ({ attribute: "" }),
  event: () => ({ event: "", timeout: { ...DEFAULT_DURATION }, save: [] }),
};

/** `config` waiting in `mode`: the new mode's keys kept (or defaulted), the other modes' removed. */
export function switchWaitMode(config: JsonObject, mode: WaitMode): JsonObject {
  const dropped = new Set(WAIT_MODES.filter((other) => other !== mode).flatMap((other) => MODE_KEYS[other]));
  const kept = Object.fromEntries(Object.entries(config).filter(([key]) => !dropped.has(key)));
  return { ...MODE_DEFAULTS[mode](), ...kept, mode };
}

/** "2025-03-01T09:00" (or with seconds and an offset) as the datetime-local input shows it; "" if unreadable. */
export function untilInputValue(until: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(until);
  if (!match) {
    return "";
  }
  return `${match[1]}T${match[2] ?? "00:00"}`;
}

/** Whether the moment carries its own offset (else the engine reads it in the person's timezone). */
export function hasOffset(until: string): boolean {
  return /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/.test(until);
}

/** "2025-03-01T09:00" → "2025-03-01 09:00", seconds dropped, an offset kept ("Z" as UTC); anything
 * unreadable as typed. */
export function showMoment(until: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(until);
  if (!match) {
    return until;
  }
  const [, day, time = "00:00", offset] = match;
  return `${day} ${time}${offset === undefined ? "" : offset === "Z" ? " UTC" : ` ${offset}`}`;
}

/** " − 1 day", " + 2 hours", or "" for no offset. */
function offsetText(offset: Duration | null): string {
  if (offset === null || offset.amount === 0) {
    return "";
  }
  const sign = offset.amount < 0 ? "−" : "+";
  return ` ${sign} ${describeDuration({ ...offset, amount: Math.abs(offset.amount) })}`;
}

/** What the node says: "Wait 2 days", "Until 2025-03-01 09:00", "Until birth_date − 1 day at 09:00",
 * "Wait for purchase (max 3 days)"; "" when there is not enough to say anything. */
export function waitSummary(wait: WaitConfig): string {
  switch (wait.mode) {
    case "duration":
      return wait.duration ? `Wait ${describeDuration(wait.duration)}` : "";
    case "until":
      return wait.until.trim() ? `Until ${showMoment(wait.until.trim())}` : "";
    case "attribute": {
      if (!wait.attribute.trim()) {
        return "";
      }
      const at = wait.time ? ` at ${wait.time}` : "";
      return `Until ${wait.attribute}${offsetText(wait.offset)}${at}`;
    }
    case "event": {
      if (!wait.event.trim()) {
        return "";
      }
      const limit = wait.timeout ? ` (max ${describeDuration(wait.timeout)})` : "";
      return `Wait for ${wait.event}${limit}`;
    }
  }
}

/** "Saves amount → total, sku → product", or "". */
export function savedSummary(save: readonly SavedProperty[]): string {
  const pairs = save.filter((item) => item.property && item.variable).map((item) => `${item.property} → ${item.variable}`);
  return pairs.length > 0 ? `Saves ${pairs.join(", ")}` : "";
}
