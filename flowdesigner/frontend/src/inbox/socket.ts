import { isObject } from "../shared/http";
import { keepOpen, type SocketLike } from "../shared/websocket";
import type { Message } from "./types";

export type ConnectionState = "connecting" | "live" | "reconnecting" | "denied";

/** Close codes the server uses for "not logged in" and "not allowed". */
const DENIED_CODES = new Set([4401, 4403]);

interface InboxSocketOptions {
  url: string;
  onMessages(messages: Message[]): void;
  onState(state: ConnectionState): void;
  createSocket?: (url: string) => SocketLike;
}

/**
 * Keeps a live connection to the inbox: asks for a sync on every (re)connect, which is how messages
 * missed while disconnected arrive, and reconnects with capped exponential backoff until closed or
 * refused.
 */
export function connectInbox({ url, onMessages, onState, createSocket }: InboxSocketOptions): { close(): void } {
  return keepOpen({
    url,
    createSocket,
    onOpen: (socket) => socket.send(JSON.stringify({ type: "sync" })),
    onFrame: (data) => {
      const messages = parseMessages(data);
      if (messages) {
        onMessages(messages);
      }
      return messages !== null;
    },
    refused: (code) => DENIED_CODES.has(code),
    onState: (state) => onState(state === "refused" ? "denied" : state),
  });
}

/** The messages carried by a server event, or null for anything else. */
export function parseMessages(data: unknown): Message[] | null {
  if (typeof data !== "string") {
    return null;
  }
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    console.warn("Inbox: ignoring a websocket frame that is not JSON", data);
    return null;
  }
  if (!isObject(event)) {
    return null;
  }
  if (event.type === "messages" && Array.isArray(event.messages)) {
    return event.messages as Message[];
  }
  if (event.type === "message" && isObject(event.message)) {
    return [event.message as unknown as Message];
  }
  return null;
}
