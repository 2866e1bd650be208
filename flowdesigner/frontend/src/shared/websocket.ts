/** What the pages' websocket clients (the inbox, the flow socket) share: the socket they use, its URL, and
 * the loop that keeps it open. */

import { reconnectDelay } from "./backoff";

/** The part of the browser's WebSocket these clients use. */
export interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(): void;
}

/** The ws:// or wss:// URL for a path, on the page's own host. */
export function websocketUrl(path: string, pageUrl: string): string {
  const url = new URL(path, pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : url.protocol === "http:" ? "ws:" : url.protocol;
  return url.toString();
}

export type KeepOpenState = "connecting" | "live" | "reconnecting" | "refused";

export interface KeepOpenOptions {
  url: string;
  /** Each (re)connect: what was sent while disconnected is unknown, so ask again. */
  onOpen(socket: SocketLike): void;
  /** A frame from the server; true when it proves the connection works (the backoff starts over). */
  onFrame(data: unknown): boolean;
  /** A close code a retry would not change (not logged in, not allowed): stop, as "refused". */
  refused(code: number): boolean;
  onState(state: KeepOpenState): void;
  /** Also start the backoff over when a connection stayed open this long (ms). */
  stableMs?: number;
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
}

/**
 * Keeps a websocket open: reconnects with capped exponential backoff and jitter (backoff.ts) when it closes,
 * until `close()` or a refusal. A connection only counts as working once `onFrame` or `stableMs` says so, so one accepted and
 * dropped at once keeps backing off instead of hammering the server.
 */
export function keepOpen({
  url,
  onOpen,
  onFrame,
  refused,
  onState,
  stableMs,
  createSocket = (address) => new WebSocket(address),
  now = Date.now,
}: KeepOpenOptions): { close(): void } {
  let socket: SocketLike | null = null;
  let attempt = 0;
  let openedAt: number | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function open() {
    const current = createSocket(url);
    socket = current;
    openedAt = null;
    current.onopen = () => {
      openedAt = now();
      onState("live");
      onOpen(current);
    };
    current.onmessage = (event) => {
      if (onFrame(event.data)) {
        attempt = 0;
      }
    };
    current.onclose = (event) => {
      socket = null;
      if (closed) {
        return;
      }
      if (refused(event.code)) {
        onState("refused");
        return;
      }
      if (stableMs !== undefined && openedAt !== null && now() - openedAt >= stableMs) {
        attempt = 0;
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
