import { readMessage } from "./messages";
import type { Message } from "./types";

/** A message as the server sends it, with `changes` laid over it. For tests. */
export function testMessage(id: number, changes: Partial<Message> = {}): Message {
  return {
    ...readMessage({
      id,
      flow_name: "Welcome",
      text: `Message ${id}`,
      buttons: [{ id: "yes", caption: "Yes", action: "" }],
      created_at: "2025-01-01T10:00:00Z",
    }),
    ...changes,
  };
}
