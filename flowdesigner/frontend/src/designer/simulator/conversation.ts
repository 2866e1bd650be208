/** Pure helpers of the simulator panel: the conversation as the items of each step add to it, and what
 * the simulated flow waits for. */
import type { SimItem, Simulation } from "./api";

/** What the simulated participant waits for, as the panel offers it. */
export interface Waiting {
  kind: "reply" | "timer" | "event" | "call" | "quiet_hours";
  /** When the wait ends on its own (ISO), if it does: "Skip wait" jumps there. */
  until: string | null;
  nodeId: string | null;
  /** An Evaluate reply step: answered with text, as the inbox's composer sends it. */
  textReply: boolean;
}

export function waitingOf(simulation: Simulation | null): Waiting | null {
  const state = simulation?.state;
  if (!state || state.status !== "waiting" || !state.wait) {
    return null;
  }
  const last = state.history[state.history.length - 1];
  return {
    kind: state.wait.kind,
    until: state.wait.wake_at,
    nodeId: state.current,
    textReply: state.wait.kind === "reply" && last?.type === "evaluate_reply",
  };
}

/**
 * The conversation after one step: its items appended, except answers, which mark their message card
 * as the inbox does once answered. Then only the card the flow still waits at stays answerable.
 */
export function addItems(entries: readonly SimItem[], items: readonly SimItem[], simulation: Simulation): SimItem[] {
  const next = [...entries];
  for (const item of items) {
    if (item.kind !== "answer") {
      next.push(item);
      continue;
    }
    const index = lastMessageIndex(next, item.node_id);
    const entry = index >= 0 ? next[index] : undefined;
    if (entry?.kind === "message") {
      next[index] = {
        ...entry,
        message: {
          ...entry.message,
          answered_at: item.at,
          answered_button_id: item.answered_button_id,
          answered_caption: item.answered_caption,
          display_value: item.display_value,
          dismissed: item.dismissed,
          form_result: item.form_result,
        },
      };
    }
  }
  return lockClosed(next, simulation);
}

/** Locks every message card but the newest one of the step the flow waits at for an answer. */
export function lockClosed(entries: readonly SimItem[], simulation: Simulation): SimItem[] {
  const waiting = waitingOf(simulation);
  const open = waiting?.kind === "reply" ? lastMessageIndex(entries, waiting.nodeId) : -1;
  return entries.map((entry, index) =>
    entry.kind === "message" && index !== open && !entry.message.locked
      ? { ...entry, message: { ...entry.message, locked: true } }
      : entry,
  );
}

function lastMessageIndex(entries: readonly SimItem[], nodeId: string | null): number {
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index];
    if (entry?.kind === "message" && entry.node_id === nodeId) {
      return index;
    }
  }
  return -1;
}

const moment = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** A time as the panel shows it; the text as given when it cannot be read. */
export function formatMoment(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : moment.format(date);
}

const PURPOSES: Record<string, string> = {
  call_url: "Call URL",
  results_flush: "Send results (to the flow's callback URL)",
  results_end: "Results at the end (to the flow's callback URL)",
};

export function purposeLabel(purpose: string): string {
  return PURPOSES[purpose] ?? purpose;
}

/** A person change as a sentence ("Would set city to "Bruges""): shown, never applied. */
export function personChangeText(item: Extract<SimItem, { kind: "person_update" }>): string {
  if (item.change === "tags") {
    const parts = [
      item.add.length > 0 ? `add tag${item.add.length > 1 ? "s" : ""} ${item.add.join(", ")}` : "",
      item.remove.length > 0 ? `remove tag${item.remove.length > 1 ? "s" : ""} ${item.remove.join(", ")}` : "",
    ].filter(Boolean);
    return `Would ${parts.join(" and ") || "change no tags"}`;
  }
  const sets = Object.entries(item.values).map(([key, value]) =>
    value === null || value === "" ? `clear ${key}` : `set ${key} to ${JSON.stringify(value)}`,
  );
  return `Would ${sets.join(", ") || "change nothing"}`;
}

const WAIT_WORDS: Record<string, string> = {
  reply: "an answer",
  timer: "time to pass",
  event: "an event",
  call: "its call",
  quiet_hours: "the send window to open",
};

/** "Waits for time to pass until 4 Dec 2026, 10:00". */
export function waitText(kind: string, until: string | null, event: string | null = null): string {
  const what = kind === "event" && event ? `the event "${event}"` : (WAIT_WORDS[kind] ?? kind);
  return until ? `Waits for ${what} until ${formatMoment(until)}` : `Waits for ${what}`;
}
