import { describe, expect, it } from "vitest";
import { reconnectDelay } from "./backoff";

describe("reconnectDelay", () => {
  it("doubles from 0.5 s and stays at 10 s at most", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((attempt) => reconnectDelay(attempt, () => 0))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
  });

  it("takes off at most half, so a retry never comes sooner than half the delay", () => {
    expect([0, 3, 20].map((attempt) => reconnectDelay(attempt, () => 0.999_999))).toEqual([250, 2000, 5000]);
  });

  it("spreads pages dropped at the same moment over the whole window instead of one wave", () => {
    const delays = Array.from({ length: 1000 }, () => reconnectDelay(5));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(10_000);
    // In each tenth of the window roughly a tenth of the pages; all in one tenth would be the old wave.
    const tenths = new Set(delays.map((delay) => Math.min(9, Math.floor((delay - 5000) / 500))));
    expect(tenths.size).toBe(10);
    expect(new Set(delays).size).toBeGreaterThan(500);
  });
});
