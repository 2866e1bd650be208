import { describe, expect, it } from "vitest";
import { ID_PATTERN, newNodeId } from "./ids";

describe("newNodeId", () => {
  it("makes ids like message_3f9a that match the server's pattern", () => {
    const id = newNodeId("message", new Set());
    expect(id).toMatch(/^message_[0-9a-f]{4}$/);
    expect(id).toMatch(ID_PATTERN);
  });

  it("never returns a taken id, even when the random source repeats", () => {
    const draws = [0.5, 0.5, 0.5, 0.25];
    const random = () => draws.shift() ?? 0;
    const taken = new Set(["message_8000"]);
    expect(newNodeId("message", taken, random)).toBe("message_4000");
  });

  it("stays unique across many ids", () => {
    const taken = new Set<string>();
    for (let i = 0; i < 500; i++) {
      taken.add(newNodeId("exit", taken));
    }
    expect(taken.size).toBe(500);
  });

  it("turns characters the pattern forbids into underscores", () => {
    expect(newNodeId("call url", new Set())).toMatch(/^call_url_[0-9a-f]{4}$/);
  });
});
