/**
 * The recipient of an inbound entry: one of our own numbers or addresses (a channel's identities) that a
 * person writes or calls to, or "" for any of them.
 */
import type { ChannelInfo } from "./api";

export interface RecipientGroup {
  /** The channel's name. */
  label: string;
  identities: string[];
}

export interface RecipientChoices {
  groups: RecipientGroup[];
  /** The stored recipient when no active channel of the kind has it (deleted, deactivated, or typed by hand),
   * offered as it is so opening the editor changes nothing. */
  unknown: string | null;
}

/** What "" means for a kind of channel. */
export function anyRecipientLabel(kind: string): string {
  return kind === "email" ? "Any of our addresses" : "Any of our numbers";
}

/** The identities of the active channels of `kind`, one group per channel, and the stored one if none has it. */
export function recipientChoices(channels: readonly ChannelInfo[], kind: string, current: string): RecipientChoices {
  const groups = channels
    .filter((channel) => channel.kind === kind && channel.active !== false && channel.identities.length > 0)
    .map((channel) => ({ label: channel.name, identities: [...channel.identities] }));
  const known = groups.some((group) => group.identities.includes(current));
  return { groups, unknown: current !== "" && !known ? current : null };
}

/** "any of our numbers" or the recipient itself, for a node's summary. */
export function describeRecipient(kind: string, recipient: string): string {
  return recipient || anyRecipientLabel(kind).toLowerCase();
}
