import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connectFlowSocket, parseChanged, throttledRunner, type LiveState } from "./flowSocket";
import type { SocketLike } from "./websocket";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  closedByClient = false;

  constructor(readonly url: string) {}
  send() {}
  close() {
    this.closedByClient = true;
  }
  serverOpens() {
    this.onopen?.(new Event("open"));
  }
  serverSends(data: unknown) {
    this.onmessage?.({ data: typeof data === "string" ? data : JSON.stringify(data) } as MessageEvent);
  }
  serverCloses(code: number) {
    this.onclose?.({ code } as CloseEvent);
  }
}

describe("connectFlowSocket", () => {
  let sockets: FakeSocket[];
  let states: LiveState[];
  let events: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0); // no jitter: the full backoff delays (backoff.test.ts)
    sockets = [];
    states = [];
    events = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function connect(pageUrl = "https://example.test/flows/7/design/?results=1") {
    return connectFlowSocket({
      flowId: 7,
      pageUrl,
      onConnected: () => events.push("connected"),
      onChanged: (what) => events.push(what),
      onState: (state) => states.push(state),
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
    });
  }

  it("opens the flow's socket on the page's host, ws:// or wss:// like the page", () => {
    connect();
    expect(sockets[0]!.url).toBe("wss://example.test/ws/flows/7/");
    connect("http://localhost:8000/flows/7/performance/");
    expect(sockets[1]!.url).toBe("ws://localhost:8000/ws/flows/7/");
  });

  it("says connected once open, then passes on every change the server reports and nothing else", () => {
    connect();
    sockets[0]!.serverOpens();
    sockets[0]!.serverSends({ type: "changed", what: "counts" });
    sockets[0]!.serverSends({ type: "changed", what: "launches" });
    sockets[0]!.serverSends({ type: "error", detail: "This socket only sends" });
    sockets[0]!.serverSends({ type: "changed" });
    sockets[0]!.serverSends("not json");
    expect(events).toEqual(["connected", "counts", "launches"]);
    expect(states).toEqual(["connecting", "live"]);
  });

  it("reconnects with backoff after a drop and says connected again (so the page fetches again)", () => {
    connect();
    sockets[0]!.serverOpens();
    sockets[0]!.serverCloses(1006);
    expect(states.at(-1)).toBe("reconnecting");
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    sockets[1]!.serverCloses(1006);
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    sockets[2]!.serverOpens();
    expect(events).toEqual(["connected", "connected"]);
    expect(states.at(-1)).toBe("live");
  });

  it("starts from the first delay again after a connection that stayed up", () => {
    connect();
    sockets[0]!.serverCloses(1006);
    vi.advanceTimersByTime(500);
    sockets[1]!.serverOpens();
    vi.advanceTimersByTime(10_000);
    sockets[1]!.serverCloses(1006);
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(3);
  });

  it("keeps backing off after a connection that dropped soon, even one that delivered a change", () => {
    connect();
    sockets[0]!.serverCloses(1006);
    vi.advanceTimersByTime(500);
    sockets[1]!.serverOpens();
    sockets[1]!.serverSends({ type: "changed", what: "counts" });
    vi.advanceTimersByTime(9_999);
    sockets[1]!.serverCloses(1006);
    vi.advanceTimersByTime(999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
  });

  it.each([4401, 4403, 4404])("does not retry after the server's %i", (code) => {
    connect();
    sockets[0]!.serverCloses(code);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe("closed");
  });

  it("stops for good when the page closes it", () => {
    const socket = connect();
    sockets[0]!.serverOpens();
    socket.close();
    expect(sockets[0]!.closedByClient).toBe(true);
    sockets[0]!.serverCloses(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it("does not reconnect when the page closes it while waiting to", () => {
    const socket = connect();
    sockets[0]!.serverCloses(1006);
    socket.close();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});

describe("parseChanged", () => {
  it("reads what changed from the flow socket's frames and ignores anything else", () => {
    expect(parseChanged(JSON.stringify({ type: "changed", what: "counts" }))).toBe("counts");
    expect(parseChanged(JSON.stringify({ type: "changed", what: "launches" }))).toBe("launches");
    expect(parseChanged(JSON.stringify({ type: "error", detail: "x" }))).toBeNull();
    expect(parseChanged(JSON.stringify({ type: "changed" }))).toBeNull();
    expect(parseChanged(JSON.stringify({ type: "changed", what: 3 }))).toBeNull();
    expect(parseChanged("not json")).toBeNull();
    expect(parseChanged("null")).toBeNull();
    expect(parseChanged(42)).toBeNull();
    expect(parseChanged(new ArrayBuffer(2))).toBeNull();
  });
});

describe("throttledRunner", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function runner() {
    const starts: number[] = [];
    const finishers: Array<() => void> = [];
    const t0 = Date.now();
    const throttled = throttledRunner(
      () =>
        new Promise<void>((resolve) => {
          starts.push(Date.now() - t0);
          finishers.push(resolve);
        }),
      1000,
    );
    return {
      throttled,
      starts,
      finish: async () => {
        finishers.shift()?.();
        await vi.advanceTimersByTimeAsync(0);
      },
    };
  }

  it("runs the first ask at once and folds a burst of asks into one run a second later", async () => {
    const { throttled, starts, finish } = runner();
    throttled.request();
    expect(starts).toEqual([0]);
    await finish();
    for (let i = 0; i < 10; i++) {
      throttled.request();
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(starts).toEqual([0]);
    await vi.advanceTimersByTimeAsync(500);
    expect(starts).toEqual([0, 1000]);
  });

  it("never runs twice at once: an ask during a slow run runs once after it", async () => {
    const { throttled, starts, finish } = runner();
    throttled.request();
    await vi.advanceTimersByTimeAsync(3000);
    throttled.request();
    throttled.request();
    expect(starts).toEqual([0]);
    await finish();
    expect(starts).toEqual([0, 3000]);
    await finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0, 3000]);
  });

  it("with a run that ends at once: merges asks within the second into one run at its end", async () => {
    const run = vi.fn(() => Promise.resolve());
    const throttled = throttledRunner(run, 1000);
    throttled.request();
    expect(run).toHaveBeenCalledTimes(1);
    throttled.request();
    throttled.request();
    throttled.request();
    await vi.advanceTimersByTimeAsync(999);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(2);
    // The merged run starts a new second: an ask right after it waits for that second's end.
    throttled.request();
    await vi.advanceTimersByTimeAsync(0);
    expect(run).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(run).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(3);
    throttled.request();
    expect(run).toHaveBeenCalledTimes(4);
  });

  it("keeps going after a failed run", async () => {
    const starts: number[] = [];
    const throttled = throttledRunner(() => {
      starts.push(Date.now());
      return Promise.reject(new Error("offline"));
    }, 1000);
    throttled.request();
    await vi.advanceTimersByTimeAsync(0);
    throttled.request();
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toHaveLength(2);
  });

  it("runs nothing more once cancelled, whether the ask waits for the second or for a run", async () => {
    const { throttled, starts, finish } = runner();
    throttled.request();
    await finish();
    throttled.request();
    throttled.cancel();
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toEqual([0]);

    const slow = runner();
    slow.throttled.request();
    slow.throttled.request();
    slow.throttled.cancel();
    await slow.finish();
    await vi.advanceTimersByTimeAsync(5000);
    expect(slow.starts).toEqual([0]);
  });
});
