import { describe, expect, it } from "vitest";
import { describeDuration, durationProblem, isLocalTime, readDuration } from "./timing";

describe("durations", () => {
  it("read as stored, or null", () => {
    expect(readDuration({ amount: 2, unit: "weeks" })).toEqual({ amount: 2, unit: "weeks" });
    expect(readDuration({ amount: "2", unit: "weeks" })).toBeNull();
    expect(readDuration({ amount: 2, unit: "months" })).toBeNull();
    expect(readDuration(null)).toBeNull();
  });

  it("are described in words, singular for one", () => {
    expect(describeDuration({ amount: 1, unit: "days" })).toBe("1 day");
    expect(describeDuration({ amount: 90, unit: "minutes" })).toBe("90 minutes");
    expect(describeDuration({ amount: -1, unit: "hours" })).toBe("-1 hour");
  });

  it("say what the engine will refuse", () => {
    expect(durationProblem({ amount: 2, unit: "days" }, "time limit")).toBeNull();
    expect(durationProblem(null, "time limit")).toBe("Set the time limit.");
    expect(durationProblem({ amount: 0, unit: "days" }, "time limit")).toBe("The time limit must be more than zero.");
    expect(durationProblem({ amount: 0, unit: "days" }, "offset", true)).toBeNull();
    expect(durationProblem({ amount: 600, unit: "weeks" }, "wait")).toBe("The wait is longer than ten years.");
  });

  it("times of day are HH:MM", () => {
    expect(isLocalTime("09:30")).toBe(true);
    expect(isLocalTime("9:30")).toBe(false);
    expect(isLocalTime("24:00")).toBe(false);
  });
});
