import type { Message } from "./types";

/**
 * `current` updated with `incoming`: one entry per id, oldest id first. Answers are final, so a copy
 * that arrives late without the answer (a sync sent before the click) does not undo it.
 */
export function mergeMessages(current: readonly Message[], incoming: readonly Message[]): Message[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    byId.set(message.id, known?.answered_button_id && !message.answered_button_id ? known : message);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
