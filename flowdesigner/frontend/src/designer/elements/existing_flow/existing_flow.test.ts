import { describe, expect, it } from "vitest";
import { existingFlow } from ".";

describe("existing flow entry", () => {
  it("has no config and passes people on through 'next'", () => {
    expect(existingFlow.defaults).toEqual({});
    expect(existingFlow.exits({})).toEqual([{ name: "next", label: "Next" }]);
  });
});
