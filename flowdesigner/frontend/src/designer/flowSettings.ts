/**
 * The flow-wide part of the document the designer edits besides the graph: the declared `variables`
 * and `settings.send_window` (quiet hours, read in each person's timezone).
 */
import { isObject } from "../shared/http";
import { isLocalTime } from "./timing";
import type { FlowDoc } from "./types";
import { readVariables, type FlowVariable } from "./variables";

export interface SendWindow {
  start: string;
  end: string;
}

export interface FlowSettings {
  variables: FlowVariable[];
  sendWindow: SendWindow | null;
}

/** A window to start from when the marketer switches quiet hours on. */
export const DEFAULT_SEND_WINDOW: SendWindow = { start: "09:00", end: "20:00" };

export function readFlowSettings(doc: FlowDoc): FlowSettings {
  const settings = isObject(doc.settings) ? doc.settings : {};
  const stored = isObject(settings.send_window) ? settings.send_window : null;
  return {
    variables: readVariables(doc.variables),
    sendWindow: stored
      ? { start: typeof stored.start === "string" ? stored.start : "", end: typeof stored.end === "string" ? stored.end : "" }
      : null,
  };
}

/**
 * `doc` with the flow settings written into it. Other top-level keys and other settings are kept; keys
 * the document did not have are only added when they hold something, so an untouched flow saves as loaded.
 */
export function applyFlowSettings(doc: FlowDoc, { variables, sendWindow }: FlowSettings): FlowDoc {
  const next: FlowDoc = { ...doc };
  if (variables.length > 0 || "variables" in doc) {
    next.variables = variables.map(({ name, type }) => ({ name, type }));
  }
  const settings = isObject(doc.settings) ? doc.settings : null;
  const written = sendWindow && { start: sendWindow.start, end: sendWindow.end };
  if (settings !== null && (written !== null || "send_window" in settings)) {
    next.settings = { ...settings, send_window: written };
  } else if (settings === null && written !== null) {
    next.settings = { send_window: written };
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
