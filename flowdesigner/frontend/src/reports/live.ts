/**
 * The flow's websocket (/ws/flows/{id}/): the server says only "something changed" ({"type": "changed",
 * "what": "counts" | "launches"}) and the page fetches again. It also fetches on every (re)connect, which
 * is how changes missed while disconnected show up. Reconnects with backoff, except after a 44xx close
 * (not logged in, no role, unknown flow), which a retry would not change.
 */

import { isObject } from "../shared/http";
import { reconnectDelay } from "../inbox/backoff";
import type { SocketLike } from "../inbox/socket";

export type LiveState = "connecting" | "live" | "reconnecting" | "closed";

/** Why the page should fetch again: the socket (re)opened, or the server said what changed. */
export type ChangeReason = "connected" | "counts" | "launches" | string;

interface FlowSocketOptions {
  url: string;
  onChange(reason: ChangeReason): void;
  onState(state: LiveState): void;
  createSocket?: (url: string) => SocketLike;
}

export function connectFlow({
  url,
  onChange,
  onState,
  createSocket = (address) => new WebSocket(address),
}: FlowSocketOptions): { close(): void } {
  let socket: SocketLike | null = null;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function open() {
    const current = createSocket(url);
    socket = current;
    current.onopen = () => {
      onState("live");
      onChange("connected");
    };
    current.onmessage = (event) => {
      const what = changedWhat(event.data);
      if (what !== null) {
        attempt = 0;
        onChange(what);
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

/** What changed, for a {"type": "changed"} frame; null for anything else. */
export function changedWhat(data: unknown): string | null {
  if (typeof data !== "string") {
    return null;
  }
  try {
    const event: unknown = JSON.parse(data);
    if (isObject(event) && event.type === "changed") {
      return typeof event.what === "string" ? event.what : "";
    }
  } catch {
    // Not JSON: not ours to act on.
  }
  return null;
}

/**
 * `fn` at most once per `ms`: the first call runs at once, calls during the wait are merged into one run
 * at its end (so the last change is never lost).
 */
export function throttle(fn: () => void, ms: number): { call(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending = false;

  function wait() {
    timer = setTimeout(() => {
      timer = undefined;
      if (pending) {
        pending = false;
        fn();
        wait();
      }
    }, ms);
  }

  return {
    call() {
      if (timer !== undefined) {
        pending = true;
        return;
      }
      fn();
      wait();
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      pending = false;
    },
  };
}
