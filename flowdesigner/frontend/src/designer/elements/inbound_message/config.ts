/**
 * Inbound Message: a person's SMS, email or web message to one of our numbers or addresses starts the flow
 * when any of the conditions matches it; parts of the message can be saved in flow variables.
 */
import type { JsonObject } from "../../types";
import {
  describeCapture,
  describeCondition,
  readCaptures,
  readConditions,
  writeCondition,
  type Capture,
  type InboundCondition,
} from "../../inbound";
import { describeRecipient } from "../../recipients";
import type { Exit } from "../types";

export const INBOUND_CHANNELS = ["sms", "email", "web"] as const;
export type InboundChannel = (typeof INBOUND_CHANNELS)[number];

export const INBOUND_CHANNEL_LABELS: Record<InboundChannel, string> = {
  sms: "SMS",
  email: "Email",
  web: "Web inbox",
};

export interface InboundMessageConfig {
  channel: InboundChannel;
  /** One of our numbers or addresses; "" = any of them. */
  recipient: string;
  conditions: InboundCondition[];
  capture: Capture[];
}

export function isInboundChannel(value: unknown): value is InboundChannel {
  return INBOUND_CHANNELS.includes(value as InboundChannel);
}

/** The config with every key present; SMS (the seed's default) when the channel is missing or unknown. */
export function readInboundMessage(config: JsonObject): InboundMessageConfig {
  return {
    channel: isInboundChannel(config.channel) ? config.channel : "sms",
    recipient: typeof config.recipient === "string" ? config.recipient : "",
    conditions: readConditions(config.conditions),
    capture: readCaptures(config.capture),
  };
}

/** `config` on another channel: its recipient is cleared, since numbers and addresses belong to one kind. */
export function switchInboundChannel(config: JsonObject, channel: InboundChannel): JsonObject {
  return channel === config.channel ? config : { ...config, channel, recipient: "" };
}

/** `config` with these conditions, each stored with only the keys its operator uses. */
export function withConditions(config: JsonObject, conditions: readonly InboundCondition[]): JsonObject {
  return { ...config, conditions: conditions.map(writeCondition) };
}

export const inboundMessageExits = (): Exit[] => [{ name: "next", label: "Next" }];

/** The node's lines: where the message comes in, each condition, what is saved. */
export function inboundMessageSummary(message: InboundMessageConfig): string[] {
  const where =
    message.channel === "web"
      ? INBOUND_CHANNEL_LABELS.web
      : `${INBOUND_CHANNEL_LABELS[message.channel]} to ${describeRecipient(message.channel, message.recipient)}`;
  return [
    where,
    ...message.conditions.map(describeCondition),
    ...message.capture.map((capture) => `Saves ${describeCapture(capture)}`),
  ];
}
