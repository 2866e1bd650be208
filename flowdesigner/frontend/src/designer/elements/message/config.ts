import { isObject } from "../../../shared/http";
import { isValidId } from "../../ids";
import { readDuration, type Duration } from "../../timing";
import type { JsonObject } from "../../types";
import type { Exit } from "../types";
import { withOtherExit } from "./channel";

export interface MessageButton {
  id: string;
  caption: string;
  /** "" or an action string, see actions.ts; missing means "". Written only once edited, so a config
   * stays as it was stored until the marketer changes it. */
  action?: string;
  [key: string]: unknown;
}

export const ALERT_TYPES = ["SILENT", "BEEP", "RING_5", "RING_15", "RING_30", "RING_60"] as const;
export const ALERT_INTERVALS = [
  "NONE",
  "INTERVAL_5",
  "INTERVAL_15",
  "INTERVAL_30",
  "INTERVAL_60",
  "INTERVAL_300",
  "INTERVAL_900",
  "INTERVAL_3600",
] as const;
export type AlertType = (typeof ALERT_TYPES)[number];
export type AlertInterval = (typeof ALERT_INTERVALS)[number];

export const ALERT_TYPE_LABELS: Record<AlertType, string> = {
  SILENT: "Silent",
  BEEP: "Beep",
  RING_5: "Ring 5 s",
  RING_15: "Ring 15 s",
  RING_30: "Ring 30 s",
  RING_60: "Ring 60 s",
};

export const ALERT_INTERVAL_LABELS: Record<AlertInterval, string> = {
  NONE: "No repeat",
  INTERVAL_5: "Every 5 s",
  INTERVAL_15: "Every 15 s",
  INTERVAL_30: "Every 30 s",
  INTERVAL_60: "Every minute",
  INTERVAL_300: "Every 5 min",
  INTERVAL_900: "Every 15 min",
  INTERVAL_3600: "Every hour",
};

export interface MessageAlert {
  type: AlertType;
  interval: AlertInterval;
  vibrate: boolean;
  [key: string]: unknown;
}

export interface Attachment {
  name: string;
  url: string;
  content_type: string;
  size: number;
  [key: string]: unknown;
}

export interface MessageConfig extends MessageOptionsConfig {
  text: string;
  buttons: MessageButton[];
  allow_dismiss: boolean;
  dismiss_caption: string;
}

/** The exit a dismiss ("Roger that") leads through. */
export const DISMISS_EXIT = "dismiss";
export const DEFAULT_DISMISS_CAPTION = "Roger that";
/** The exit taken when a reply timeout is set and nobody answers in time (message and form message). */
export const NO_ANSWER_EXIT = "no_answer";
export const NO_ANSWER_EXIT_LABEL = "no answer";
/** The timeout a marketer starts from when switching the reply timeout on. */
export const DEFAULT_REPLY_TIMEOUT: Duration = { amount: 1, unit: "days" };

/** The reply timeout ({amount, unit}), or null when the message waits for an answer forever. */
export function readReplyTimeout(config: JsonObject): Duration | null {
  return readDuration(config.timeout);
}

/** `exits` plus the "no answer" exit when the message has a reply timeout (as the engine's with_no_answer). */
export function withNoAnswer(config: JsonObject, exits: Exit[]): Exit[] {
  if (readReplyTimeout(config) === null || exits.some((exit) => exit.name === NO_ANSWER_EXIT)) {
    return exits;
  }
  return [...exits, { name: NO_ANSWER_EXIT, label: NO_ANSWER_EXIT_LABEL }];
}

export const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
export const oneOf = <T extends string>(options: readonly T[], value: unknown, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

/** The options every Rogerthat message has (a message or a form message). */
export interface MessageOptionsConfig {
  branding: string | null;
  alert: MessageAlert;
  auto_lock: boolean;
  attachments: Attachment[];
}

/** Branding, alert, auto-lock and attachments with defaults for missing or malformed ones; unknown keys
 * of the alert and attachments are kept. */
export function readMessageOptions(config: JsonObject): MessageOptionsConfig {
  const attachments = Array.isArray(config.attachments) ? config.attachments : [];
  const alert = isObject(config.alert) ? config.alert : {};
  return {
    branding: typeof config.branding === "string" ? config.branding : null,
    alert: {
      ...alert,
      type: oneOf(ALERT_TYPES, alert.type, "SILENT"),
      interval: oneOf(ALERT_INTERVALS, alert.interval, "NONE"),
      vibrate: alert.vibrate === true,
    },
    auto_lock: config.auto_lock !== false,
    attachments: attachments.filter(isObject).map((item) => ({
      ...item,
      name: str(item.name),
      url: str(item.url),
      content_type: str(item.content_type),
      size: typeof item.size === "number" && Number.isFinite(item.size) ? item.size : 0,
    })),
  };
}

/** The message config with every key present, defaults for missing or malformed ones; unknown keys of
 * buttons, the alert and attachments are kept. */
export function readMessage(config: JsonObject): MessageConfig {
  const buttons = Array.isArray(config.buttons) ? config.buttons : [];
  return {
    text: str(config.text),
    buttons: buttons.filter(isObject).flatMap((button) =>
      typeof button.id === "string"
        ? [{ ...button, id: button.id, caption: str(button.caption) }]
        : [],
    ),
    allow_dismiss: config.allow_dismiss === true,
    dismiss_caption: str(config.dismiss_caption, DEFAULT_DISMISS_CAPTION),
    ...readMessageOptions(config),
  };
}

export function buttonAction(button: MessageButton): string {
  return str(button.action);
}

/** Each button is an exit, in button order, then the dismiss exit when dismissing is allowed, then "other"
 * when an unrecognised SMS/email reply goes on through it, then "no answer" when a reply timeout is set. */
export function messageExits(config: JsonObject): Exit[] {
  const message = readMessage(config);
  const exits: Exit[] = [];
  for (const button of message.buttons) {
    // A duplicated id is one exit (and a validation issue), not two handles with one name.
    if (!exits.some((exit) => exit.name === button.id)) {
      exits.push({ name: button.id, label: button.caption || button.id });
    }
  }
  if (message.allow_dismiss && !exits.some((exit) => exit.name === DISMISS_EXIT)) {
    exits.push({ name: DISMISS_EXIT, label: message.dismiss_caption || DEFAULT_DISMISS_CAPTION });
  }
  return withNoAnswer(config, withOtherExit(config, exits));
}

/** "button_1", "button_2", ...: the first one no button of this message uses. */
export function nextButtonId(taken: readonly string[]): string {
  for (let n = 1; ; n++) {
    const id = `button_${n}`;
    if (!taken.includes(id)) {
      return id;
    }
  }
}

/** Why `id` cannot be the id of a button, or null when it can. */
export function buttonIdProblem(id: string, otherIds: readonly string[], allowDismiss = false): string | null {
  if (!id) {
    return "A button needs an id.";
  }
  if (!isValidId(id)) {
    return "Use up to 200 letters, digits, or _ . : = + / -";
  }
  if (otherIds.includes(id)) {
    return "Another button already has this id.";
  }
  if (allowDismiss && id === DISMISS_EXIT) {
    return `"${DISMISS_EXIT}" is the exit of the dismiss button.`;
  }
  if (id === NO_ANSWER_EXIT) {
    return `"${NO_ANSWER_EXIT}" is kept for the exit taken when nobody answers in time.`;
  }
  return null;
}

/** The variables a message text can use, as the engine's template context names them. */
export const TEMPLATE_VARIABLES: readonly string[] = [
  "person.first_name",
  "person.last_name",
  "person.email",
  "person.phone",
  "person.language",
  "variables.<name>",
];
