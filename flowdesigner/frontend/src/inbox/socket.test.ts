import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SocketLike } from "../shared/websocket";
import { connectInbox, type ConnectionState } from "./socket";
import type { Message } from "./types";

class FakeSocket implements SocketLike {
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  sent: unknown[] = [];
  closedByClient = false;

  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closedByClient = true;
  }
  serverOpens() {
    this.onopen?.(new Event("open"));
  }
  serverSends(data: unknown) {
    this.onmessage?.({ data: JSON.stringify(data) } as MessageEvent);
  }
  serverCloses(code: number) {
    this.onclose?.({ code } as CloseEvent);
  }
}

const message = { id: 1, text: "Hi" } as Message;

describe("connectInbox", () => {
  let sockets: FakeSocket[];
  let states: ConnectionState[];
  let received: Message[][];

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, "random").mockReturnValue(0); // no jitter: the full backoff delays (backoff.test.ts)
    sockets = [];
    states = [];
    received = [];
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  function connect() {
    return connectInbox({
      url: "ws://host/ws/inbox/",
      onMessages: (messages) => received.push(messages),
      onState: (state) => states.push(state),
      createSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      },
    });
  }

  it("asks for a sync when connected and passes on synced and pushed messages", () => {
    connect();
    sockets[0]!.serverOpens();
    expect(sockets[0]!.sent).toEqual([{ type: "sync" }]);
    expect(states).toEqual(["connecting", "live"]);

    sockets[0]!.serverSends({ type: "messages", messages: [message] });
    sockets[0]!.serverSends({ type: "message", message });
    sockets[0]!.serverSends({ type: "something_else" });
    expect(received).toEqual([[message], [message]]);
  });

  it("reconnects with growing delays and syncs again on every reconnect", () => {
    connect();
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
    expect(sockets).toHaveLength(3);

    sockets[2]!.serverOpens();
    expect(sockets[2]!.sent).toEqual([{ type: "sync" }]);
    expect(states.at(-1)).toBe("live");
  });

  it("starts over at the shortest delay once a connection has delivered", () => {
    connect();
    sockets[0]!.serverCloses(1006);
    vi.advanceTimersByTime(500);
    sockets[1]!.serverOpens();
    sockets[1]!.serverSends({ type: "messages", messages: [] });
    sockets[1]!.serverCloses(1006);
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(3);
  });

  it.each([4401, 4403])("stops for good when the server refuses with %i", (code) => {
    connect();
    sockets[0]!.serverCloses(code);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe("denied");
  });

  it("does not reconnect after being closed by the page", () => {
    const connection = connect();
    connection.close();
    expect(sockets[0]!.closedByClient).toBe(true);
    sockets[0]!.serverCloses(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });
});
