/**
 * The flow's websocket (/ws/flows/{id}/), for every page that follows a flow live (the designer's results
 * mode, the performance page). The server says only "something changed" ({"type": "changed", "what":
 * "counts" | "launches"}) and the page fetches again; it also fetches on every (re)connect, which is how
 * changes missed while disconnected show up. `throttledRunner` bounds those fetches.
 */

import { isObject } from "./http";
import { keepOpen, websocketUrl, type SocketLike } from "./websocket";

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
  createSocket,
  now,
}: FlowSocketOptions): { close(): void } {
  return keepOpen({
    url: websocketUrl(`/ws/flows/${flowId}/`, pageUrl),
    createSocket,
    now,
    stableMs: STABLE_MS,
    onOpen: () => onConnected(),
    onFrame: (data) => {
      const what = parseChanged(data);
      if (what !== null) {
        onChanged(what);
      }
      return false; // not reset on a frame: a socket that delivers one and drops at once keeps backing off
    },
    refused: (code) => code >= 4400 && code < 4500,
    onState: (state) => onState(state === "refused" ? "closed" : state),
  });
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
