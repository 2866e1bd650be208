import { isObject } from "../shared/http";
import { readForm, readFormResult } from "./forms";
import type { AlertInterval, AlertType, Attachment, BrandingColors, Message, MessageButton } from "./types";

const ALERT_TYPES: readonly AlertType[] = ["SILENT", "BEEP", "RING_5", "RING_15", "RING_30", "RING_60"];
const ALERT_INTERVALS: readonly AlertInterval[] = [
  "NONE",
  "INTERVAL_5",
  "INTERVAL_15",
  "INTERVAL_30",
  "INTERVAL_60",
  "INTERVAL_300",
  "INTERVAL_900",
  "INTERVAL_3600",
];

/** As messaging/selectors.py: who a message is from when an older payload does not say. */
const DEFAULT_SENDER_NAME = "Flowdesigner";

const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const strOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);
const oneOf = <T extends string>(options: readonly T[], value: unknown, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

/**
 * A message as the server sent it, with every field present: missing or malformed optional fields get
 * their defaults, so a card never has to guard against an older or partial payload.
 */
export function readMessage(raw: unknown): Message {
  const data = isObject(raw) ? raw : {};
  const alert = isObject(data.alert) ? data.alert : {};
  const buttons = Array.isArray(data.buttons) ? data.buttons.filter(isObject) : [];
  const attachments = Array.isArray(data.attachments) ? data.attachments.filter(isObject) : [];
  return {
    id: typeof data.id === "number" ? data.id : 0,
    direction: data.direction === "in" ? "in" : "out",
    flow_name: str(data.flow_name),
    sender_name: str(data.sender_name) || DEFAULT_SENDER_NAME,
    text: str(data.text),
    created_at: str(data.created_at),
    buttons: buttons.map(
      (button): MessageButton => ({ id: str(button.id), caption: str(button.caption), action: str(button.action) }),
    ),
    allow_dismiss: data.allow_dismiss === true,
    dismiss_caption: str(data.dismiss_caption) || "Roger that",
    branding: strOrNull(data.branding),
    branding_colors: readBrandingColors(data.branding_colors),
    alert: {
      type: oneOf(ALERT_TYPES, alert.type, "SILENT"),
      interval: oneOf(ALERT_INTERVALS, alert.interval, "NONE"),
      vibrate: alert.vibrate === true,
    },
    auto_lock: data.auto_lock !== false,
    attachments: attachments.map(
      (item): Attachment => ({
        name: str(item.name),
        url: str(item.url),
        content_type: str(item.content_type),
        size: typeof item.size === "number" ? item.size : 0,
      }),
    ),
    answered_button_id: strOrNull(data.answered_button_id),
    answered_caption: strOrNull(data.answered_caption),
    dismissed: data.dismissed === true,
    answered_at: strOrNull(data.answered_at),
    locked: data.locked === true,
    form: readForm(data.form),
    form_result: readFormResult(data.form_result),
    display_value: strOrNull(data.display_value),
  };
}

function readBrandingColors(raw: unknown): BrandingColors | null {
  if (!isObject(raw)) {
    return null;
  }
  return {
    background: str(raw.background),
    text: str(raw.text),
    scheme: raw.scheme === "dark" ? "dark" : "light",
  };
}

/** Answered with a button or dismissed. */
export function isAnswered(message: Message): boolean {
  return message.dismissed || message.answered_button_id !== null;
}

function answeredTime(message: Message): number {
  const time = message.answered_at ? Date.parse(message.answered_at) : Number.NaN;
  return Number.isNaN(time) ? -Infinity : time;
}

/**
 * Whether `incoming` may replace `known`. A copy can arrive late (a sync sent before a click), so it
 * must not undo an answer, a lock, or a newer answer; a message that is not locked can be answered again,
 * so a newer answer does replace an older one.
 */
export function supersedes(known: Message, incoming: Message): boolean {
  if (isAnswered(known) && !isAnswered(incoming)) {
    return false;
  }
  if (known.locked && !incoming.locked) {
    return false;
  }
  return answeredTime(incoming) >= answeredTime(known);
}

/** `current` updated with `incoming`: one entry per id, oldest id first. */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    byId.set(message.id, known && !supersedes(known, message) ? known : message);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
