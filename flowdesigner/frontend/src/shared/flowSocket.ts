/**
 * The flow's websocket (/ws/flows/{id}/), for every page that follows a flow live (the designer's results
 * mode, the performance page). The server says only "something changed" ({"type": "changed", "what":
 * "counts" | "launches"}) and the page fetches again; it also fetches on every (re)connect, which is how
 * changes missed while disconnected show up. `throttledRunner` bounds those fetches.
 */

import { reconnectDelay } from "./backoff";
import { isObject } from "./http";
import { websocketUrl, type SocketLike } from "./websocket";

export type LiveState = "connecting" | "live" | "reconnecting" | "closed";

/** A connection that stayed open this long was working: the next reconnect starts from the first delay. */
const STABLE_MS = 10_000;

interface FlowSocketOptions {
  flowId: number;
  /** The page's URL (the socket goes to its host, ws:// or wss:// like the page). */
  pageUrl: string;
  /** Each (re)connect: what was sent while disconnected is unknown, so fetch again. */
  onConnected(): void;
  /** The server says this changed ("counts", "launches"). */
  onChanged(what: string): void;
  onState(state: LiveState): void;
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
}

/**
 * Keeps the flow's socket open: reconnects with capped exponential backoff when it closes, except for the
 * server's 44xx codes (not logged in, no role, no such flow), which a retry would not change.
 */
export function connectFlowSocket({
  flowId,
  pageUrl,
  onConnected,
  onChanged,
  onState,
  createSocket = (address) => new WebSocket(address),
  now = Date.now,
}: FlowSocketOptions): { close(): void } {
  const url = websocketUrl(`/ws/flows/${flowId}/`, pageUrl);
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
      onConnected();
    };
    current.onmessage = (event) => {
      const what = parseChanged(event.data);
      if (what !== null) {
        onChanged(what);
      }
    };
    current.onclose = (event) => {
      socket = null;
      if (closed) {
        return;
      }
      if (event.code >= 4400 && event.code < 4500) {
        onState("closed");
        return;
      }
      // Not reset on a frame: a socket that opens, delivers one and drops at once keeps backing off.
      if (openedAt !== null && now() - openedAt >= STABLE_MS) {
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

/** What the flow's socket says changed ("counts", "launches"), or null for any other frame. */
export function parseChanged(data: unknown): string | null {
  if (typeof data !== "string") {
    return null;
  }
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return null;
  }
  return isObject(event) && event.type === "changed" && typeof event.what === "string" ? event.what : null;
}

/**
 * Runs `run` when asked, at most once per `intervalMs` and never twice at once: asks while waiting or
 * running are folded into one more run, as soon as allowed. (The server already coalesces its frames; this
 * bounds the fetches of a page whatever it is sent, and reconnects add their own asks.)
 */
export function throttledRunner(
  run: () => Promise<unknown>,
  intervalMs = 1000,
  now: () => number = Date.now,
): { request(): void; cancel(): void } {
  let lastStart = -Infinity;
  let running = false;
  let pending = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;

  function start() {
    timer = undefined;
    lastStart = now();
    running = true;
    void run()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (pending && !cancelled) {
          pending = false;
          request();
        }
      });
  }

  function request() {
    if (cancelled) {
      return;
    }
    if (running) {
      pending = true;
      return;
    }
    if (timer !== undefined) {
      return;
    }
    const wait = lastStart + intervalMs - now();
    if (wait <= 0) {
      start();
    } else {
      timer = setTimeout(start, wait);
    }
  }

  return {
    request,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}
