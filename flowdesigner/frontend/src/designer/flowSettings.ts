/**
 * The flow-wide part of the document the designer edits besides the graph: the declared `variables`
 * (with their defaults) and `settings`: the send window (quiet hours, read in each person's timezone),
 * re-entry, priority and the sender name end users see.
 */
import { isObject } from "../shared/http";
import { isLocalTime } from "./timing";
import type { FlowDoc, JsonObject } from "./types";
import { readVariables, writeVariable, type FlowVariable } from "./variables";

export interface SendWindow {
  start: string;
  end: string;
}

export const REENTRY_CHOICES = ["never", "after_leaving", "any_time"] as const;
export type Reentry = (typeof REENTRY_CHOICES)[number];

export const REENTRY_LABELS: Record<Reentry, string> = {
  never: "Never: a person enters this flow once",
  after_leaving: "After leaving: again once they have left it",
  any_time: "Any time",
};

/** The engine's defaults when the document does not say (engine/core/flow.schema.json). */
export const DEFAULT_REENTRY: Reentry = "any_time";
export const DEFAULT_PRIORITY = 3;
export const PRIORITIES = [1, 2, 3, 4, 5] as const;
/** As engine/core/flow.schema.json allows: one line of at most this many characters. */
export const SENDER_NAME_MAX = 100;

export interface FlowSettings {
  variables: FlowVariable[];
  sendWindow: SendWindow | null;
  reentry: Reentry;
  /** 1 (lowest) to 5 (highest). */
  priority: number;
  /** Who end users see the flow's messages from; "" for the product's default (never the flow's name). */
  senderName: string;
}

/** A window to start from when the marketer switches quiet hours on. */
export const DEFAULT_SEND_WINDOW: SendWindow = { start: "09:00", end: "20:00" };

function readReentry(value: unknown): Reentry {
  return REENTRY_CHOICES.includes(value as Reentry) ? (value as Reentry) : DEFAULT_REENTRY;
}

function readPriority(value: unknown): number {
  return PRIORITIES.includes(value as (typeof PRIORITIES)[number]) ? (value as number) : DEFAULT_PRIORITY;
}

export function readFlowSettings(doc: FlowDoc): FlowSettings {
  const settings = isObject(doc.settings) ? doc.settings : {};
  const stored = isObject(settings.send_window) ? settings.send_window : null;
  return {
    variables: readVariables(doc.variables),
    sendWindow: stored
      ? { start: typeof stored.start === "string" ? stored.start : "", end: typeof stored.end === "string" ? stored.end : "" }
      : null,
    reentry: readReentry(settings.reentry),
    priority: readPriority(settings.priority),
    senderName: typeof settings.sender_name === "string" ? settings.sender_name : "",
  };
}

/**
 * `doc` with the flow settings written into it. Other top-level keys and other settings are kept; keys
 * the document did not have are only added when they say something other than the engine's default,
 * so an untouched flow saves exactly as loaded.
 */
export function applyFlowSettings(
  doc: FlowDoc,
  { variables, sendWindow, reentry, priority, senderName }: FlowSettings,
): FlowDoc {
  const next: FlowDoc = { ...doc };
  if (variables.length > 0 || "variables" in doc) {
    next.variables = variables.map(writeVariable);
  }
  const stored: JsonObject = isObject(doc.settings) ? doc.settings : {};
  const settings: JsonObject = { ...stored };
  const keep = (key: string, value: unknown, unset: unknown) => {
    if (key in stored || value !== unset) {
      settings[key] = value;
    }
  };
  keep("send_window", sendWindow && { start: sendWindow.start, end: sendWindow.end }, null);
  keep("reentry", reentry, DEFAULT_REENTRY);
  keep("priority", priority, DEFAULT_PRIORITY);
  keep("sender_name", senderName, "");
  if ("settings" in doc || Object.keys(settings).length > 0) {
    next.settings = settings;
  }
  return next;
}

/** What the send window means, for people; or why it cannot be used. */
export function sendWindowSummary(window: SendWindow | null): string {
  if (window === null) {
    return "Messages are sent at any time.";
  }
  if (!isLocalTime(window.start) || !isLocalTime(window.end)) {
    return "Write both times as HH:MM.";
  }
  if (window.start === window.end) {
    return "The same start and end time mean no restriction: messages are sent at any time.";
  }
  const overnight = window.end < window.start ? " (over midnight)" : "";
  return `Messages are sent between ${window.start} and ${window.end}${overnight} in the person’s timezone; at other times they wait for the next opening.`;
}

/** Why a sender name cannot be saved, or null when it can (the engine's schema says the same). */
export function senderNameProblem(name: string): string | null {
  if (/[\r\n]/.test(name)) {
    return "The sender name must be one line.";
  }
  if (name.length > SENDER_NAME_MAX) {
    return `The sender name is longer than ${SENDER_NAME_MAX} characters.`;
  }
  return null;
}
