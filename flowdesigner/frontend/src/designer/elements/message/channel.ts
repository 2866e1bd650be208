/**
 * Which channel a Message or Form message goes out on, and what an SMS or email reply that matches none of
 * its options does (engine/core/elements/message.py and form_message.py): ask again with a reprompt, or take
 * the "other" exit.
 */
import type { JsonObject } from "../../types";
import type { Exit } from "../types";

export const MESSAGE_CHANNELS = ["web", "sms", "email", "preferred"] as const;
export type MessageChannel = (typeof MESSAGE_CHANNELS)[number];

export const MESSAGE_CHANNEL_LABELS: Record<MessageChannel, string> = {
  web: "Web inbox",
  sms: "SMS",
  email: "Email",
  preferred: "Person's preferred channel",
};

/** The node's badge per channel; none for the web inbox, where every message went before channels. */
const CHANNEL_BADGES: Record<MessageChannel, string | null> = {
  web: null,
  sms: "SMS",
  email: "Email",
  preferred: "Preferred channel",
};

export const UNRECOGNISED_CHOICES = ["reprompt", "other"] as const;
export type Unrecognised = (typeof UNRECOGNISED_CHOICES)[number];

export const UNRECOGNISED_LABELS: Record<Unrecognised, string> = {
  reprompt: "Ask again",
  other: "Take the Other exit",
};

/** The exit an unrecognised text reply takes when the message says so. */
export const OTHER_EXIT = "other";
export const OTHER_EXIT_LABEL = "other";
export const DEFAULT_REPROMPT_PLACEHOLDER = "Sorry, I did not understand.";

export interface MessageChannelConfig {
  channel: MessageChannel;
  unrecognised: Unrecognised;
  /** "" = the built-in text. */
  reprompt: string;
}

// Not config.ts's oneOf: config.ts imports this module for the exits, and this one stays free of a cycle.
const pick = <T extends string>(options: readonly T[], value: unknown, fallback: T): T =>
  options.includes(value as T) ? (value as T) : fallback;

/** The channel keys with the engine's defaults: web, ask again, the built-in reprompt. */
export function readMessageChannel(config: JsonObject): MessageChannelConfig {
  return {
    channel: pick(MESSAGE_CHANNELS, config.channel, "web"),
    unrecognised: pick(UNRECOGNISED_CHOICES, config.unrecognised, "reprompt"),
    reprompt: typeof config.reprompt === "string" ? config.reprompt : "",
  };
}

/** Whether the message has the "other" exit: replies come as text (not on the web inbox) and an
 * unrecognised one goes on through "other". */
export function hasOtherExit(config: JsonObject): boolean {
  const { channel, unrecognised } = readMessageChannel(config);
  return channel !== "web" && unrecognised === "other";
}

/** `exits` plus the "other" exit when the message has one (before "no answer", as the engine orders them). */
export function withOtherExit(config: JsonObject, exits: Exit[]): Exit[] {
  if (!hasOtherExit(config) || exits.some((exit) => exit.name === OTHER_EXIT)) {
    return exits;
  }
  return [...exits, { name: OTHER_EXIT, label: OTHER_EXIT_LABEL }];
}

/** The node's channel badge ("SMS"), or null for the web inbox. */
export function channelBadge(config: JsonObject): string | null {
  return CHANNEL_BADGES[readMessageChannel(config).channel];
}
