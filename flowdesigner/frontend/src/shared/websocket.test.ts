import { describe, expect, it } from "vitest";
import { websocketUrl } from "./websocket";

describe("websocketUrl", () => {
  it("uses ws:// or wss:// to match the page", () => {
    expect(websocketUrl("/ws/inbox/", "http://localhost:8000/inbox/")).toBe("ws://localhost:8000/ws/inbox/");
    expect(websocketUrl("/ws/inbox/", "https://example.org/inbox/")).toBe("wss://example.org/ws/inbox/");
  });
});
