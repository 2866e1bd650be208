import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import { readWait, savedSummary, showMoment, switchWaitMode, untilInputValue, waitSummary } from "./config";

const summary = (config: Record<string, unknown>) => waitSummary(readWait(config));

describe("wait exits", () => {
  it("are 'Next' only for a duration or a moment, plus 'no date' on a date attribute and 'timed out' on an event", () => {
    const exits = (config: Record<string, unknown>) => exitsOf({ type: "wait", config, storedExits: [] });
    expect(exits({ mode: "duration" })).toEqual([{ name: "next", label: "Next" }]);
    expect(exits({ mode: "until" }).map((exit) => exit.name)).toEqual(["next"]);
    expect(exits({ mode: "attribute" })).toEqual([
      { name: "next", label: "Next" },
      { name: "no_date", label: "no date" },
    ]);
    expect(exits({ mode: "event" })).toEqual([
      { name: "next", label: "Next" },
      { name: "timed_out", label: "timed out" },
    ]);
  });
});

describe("wait summary", () => {
  it("says how long, until when, until which date of the person, or for which event", () => {
    expect(summary({ mode: "duration", duration: { amount: 2, unit: "days" } })).toBe("Wait 2 days");
    expect(summary({ mode: "duration", duration: { amount: 1, unit: "hours" } })).toBe("Wait 1 hour");
    expect(summary({ mode: "until", until: "2025-03-01T09:00" })).toBe("Until 2025-03-01 09:00");
    expect(
      summary({ mode: "attribute", attribute: "birth_date", offset: { amount: -1, unit: "days" }, time: "09:00" }),
    ).toBe("Until birth_date − 1 day at 09:00");
    expect(summary({ mode: "attribute", attribute: "renewal", offset: { amount: 2, unit: "weeks" } })).toBe(
      "Until renewal + 2 weeks",
    );
    expect(summary({ mode: "attribute", attribute: "renewal", offset: { amount: 0, unit: "days" } })).toBe("Until renewal");
    expect(summary({ mode: "event", event: "purchase", timeout: { amount: 3, unit: "days" } })).toBe(
      "Wait for purchase (max 3 days)",
    );
  });

  it("says nothing while the wait is not set up", () => {
    expect(summary({ mode: "until", until: "" })).toBe("");
    expect(summary({ mode: "attribute" })).toBe("");
    expect(summary({ mode: "event", event: " " })).toBe("");
    expect(summary({ mode: "duration" })).toBe("");
  });

  it("lists the event properties saved into variables", () => {
    expect(
      savedSummary([
        { property: "amount", variable: "total" },
        { property: "", variable: "x" },
      ]),
    ).toBe("Saves amount → total");
    expect(savedSummary([])).toBe("");
  });

  it("shows a stored moment without seconds, keeping its offset", () => {
    expect(showMoment("2025-03-01T09:00:00+01:00")).toBe("2025-03-01 09:00 +01:00");
    expect(showMoment("2025-03-01T09:30:15Z")).toBe("2025-03-01 09:30 UTC");
    expect(showMoment("2025-03-01")).toBe("2025-03-01 00:00");
    expect(showMoment("next tuesday")).toBe("next tuesday");
  });
});

describe("wait config", () => {
  it("starts as a one-day wait", () => {
    expect(initialConfig(elementModule("wait")!, {})).toEqual({ mode: "duration", duration: { amount: 1, unit: "days" } });
  });

  it("keeps only the chosen mode's settings when switching, with defaults for missing ones", () => {
    const config = { mode: "duration", duration: { amount: 5, unit: "hours" } };
    const event = switchWaitMode(config, "event");
    expect(event).toEqual({ mode: "event", event: "", timeout: { amount: 1, unit: "days" }, save: [] });
    expect(switchWaitMode({ ...event, event: "visit" }, "attribute")).toEqual({ mode: "attribute", attribute: "" });
    expect(switchWaitMode({ mode: "attribute", attribute: "birth_date", time: "08:00" }, "attribute")).toEqual({
      mode: "attribute",
      attribute: "birth_date",
      time: "08:00",
    });
    expect(switchWaitMode(config, "until")).toEqual({ mode: "until", until: "" });
  });

  it("reads a malformed config with empty values", () => {
    expect(readWait({ mode: "forever", duration: { amount: "2", unit: "days" }, save: [{ property: 3 }, "x"] })).toEqual({
      mode: "duration",
      duration: null,
      until: "",
      attribute: "",
      offset: null,
      time: "",
      event: "",
      timeout: null,
      save: [{ property: "", variable: "" }],
    });
  });

  it("shows a stored moment in the date-time input, to the minute", () => {
    expect(untilInputValue("2025-03-01T09:00")).toBe("2025-03-01T09:00");
    expect(untilInputValue("2025-03-01T09:00:30+02:00")).toBe("2025-03-01T09:00");
    expect(untilInputValue("2025-03-01")).toBe("2025-03-01T00:00");
    expect(untilInputValue("soon")).toBe("");
  });
});
