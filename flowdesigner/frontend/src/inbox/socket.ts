import { reconnectDelay } from "../shared/backoff";
import { isObject } from "../shared/http";
import type { SocketLike } from "../shared/websocket";
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
export function connectInbox({
  url,
  onMessages,
  onState,
  createSocket = (address) => new WebSocket(address),
}: InboxSocketOptions): { close(): void } {
  let socket: SocketLike | null = null;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function open() {
    const current = createSocket(url);
    socket = current;
    current.onopen = () => {
      onState("live");
      current.send(JSON.stringify({ type: "sync" }));
    };
    current.onmessage = (event) => {
      const messages = parseMessages(event.data);
      if (messages) {
        // Only a connection that delivers counts as working: one accepted and then dropped at once
        // keeps backing off instead of hammering the server every 0.5 s.
        attempt = 0;
        onMessages(messages);
      }
    };
    current.onclose = (event) => {
      socket = null;
      if (closed) {
        return;
      }
      if (DENIED_CODES.has(event.code)) {
        onState("denied");
        return;
      }
      onState("reconnecting");
      retryTimer = setTimeout(open, reconnectDelay(attempt));
      attempt += 1;
    };
  }

  onState("connecting");
  open();
  return {
    close() {
      closed = true;
      clearTimeout(retryTimer);
      socket?.close();
    },
  };
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
