import { describe, expect, it } from "vitest";
import { audienceSummary, readAudience, readAudienceUpdate } from "./config";

describe("predefined audience config", () => {
  it("reads all four id lists, ignoring what is not an id", () => {
    expect(readAudience({ tags: [1, "x"], segments: [4], companies: [7, 2.5], persons: null })).toEqual({
      tags: [1],
      segments: [4],
      persons: [],
      companies: [7],
    });
  });

  it("summarises every kind of choice", () => {
    expect(audienceSummary({ tags: [1], segments: [2, 3], companies: [4], persons: [] })).toBe(
      "1 tag · 2 segments · 1 company",
    );
    expect(audienceSummary({ tags: [], segments: [], companies: [5, 6], persons: [9] })).toBe("2 companies · 1 person");
    expect(audienceSummary({ tags: [], segments: [], companies: [], persons: [] })).toBe("");
  });

  it("reads the update after launch, static unless it says real time", () => {
    expect(readAudienceUpdate({ update: "realtime" })).toBe("realtime");
    expect(readAudienceUpdate({ update: "never" })).toBe("never");
    expect(readAudienceUpdate({})).toBe("never");
    expect(readAudienceUpdate({ update: "hourly" })).toBe("never");
  });
});
