import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SocketLike } from "../inbox/socket";
import { changedWhat, connectFlow, throttle, type LiveState } from "./live";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  closedByClient = false;
  send() {}
  close() {
    this.closedByClient = true;
  }
  opens() {
    this.onopen?.(new Event("open"));
  }
  says(data: unknown) {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) } as MessageEvent);
  }
  closes(code: number) {
    this.onclose?.({ code } as CloseEvent);
  }
}

describe("connectFlow", () => {
  let sockets: FakeSocket[];
  let states: LiveState[];
  let changes: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    states = [];
    changes = [];
  });
  afterEach(() => vi.useRealTimers());

  function connect() {
    return connectFlow({
      url: "ws://host/ws/flows/1/",
      onChange: (what) => changes.push(what),
      onState: (state) => states.push(state),
      createSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
    });
  }

  it("fetches on connect and on every change the server reports", () => {
    connect();
    sockets[0]!.opens();
    sockets[0]!.says({ type: "changed", what: "counts" });
    sockets[0]!.says({ type: "changed", what: "launches" });
    sockets[0]!.says({ type: "other" });
    sockets[0]!.says("not json");
    expect(states).toEqual(["connecting", "live"]);
    expect(changes).toEqual(["connected", "counts", "launches"]);
  });

  it("reconnects with backoff and fetches again once reconnected", () => {
    connect();
    sockets[0]!.opens();
    sockets[0]!.closes(1006);
    expect(states.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.closes(1006);
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]!.opens();
    expect(changes).toEqual(["connected", "connected"]);
    expect(states.at(-1)).toBe("live");
  });

  it.each([4401, 4403, 4404])("gives up after close code %d", (code) => {
    connect();
    sockets[0]!.closes(code);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe("closed");
  });

  it("stops for good when the page closes it", () => {
    const live = connect();
    sockets[0]!.opens();
    live.close();
    expect(sockets[0]!.closedByClient).toBe(true);
    sockets[0]!.closes(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});

describe("changedWhat", () => {
  it("reads what changed", () => {
    expect(changedWhat('{"type":"changed","what":"counts"}')).toBe("counts");
    expect(changedWhat('{"type":"changed"}')).toBe("");
    expect(changedWhat('{"type":"hello"}')).toBeNull();
    expect(changedWhat(42)).toBeNull();
  });
});

describe("throttle", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs at once, then merges calls within the second into one run at its end", () => {
    const fn = vi.fn();
    const throttled = throttle(fn, 1000);
    throttled.call();
    expect(fn).toHaveBeenCalledTimes(1);
    throttled.call();
    throttled.call();
    throttled.call();
    vi.advanceTimersByTime(999);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    // The merged run starts a new second: a call right after it waits for that second's end.
    throttled.call();
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(3);
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(3);
    throttled.call();
    expect(fn).toHaveBeenCalledTimes(4);
  });

  it("drops a waiting run when cancelled", () => {
    const fn = vi.fn();
    const throttled = throttle(fn, 1000);
    throttled.call();
    throttled.call();
    throttled.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
