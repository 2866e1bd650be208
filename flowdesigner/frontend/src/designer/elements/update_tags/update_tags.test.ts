import { describe, expect, it } from "vitest";
import { exitsOf } from "..";
import { conflictingTags, readTagChanges, tagChangesSummary } from "./config";

const names = new Map([
  [1, "VIP"],
  [2, "trial"],
  [3, "Gold"],
]);

describe("add / remove tags", () => {
  it("says which tags are added and removed, by name", () => {
    expect(tagChangesSummary({ add: [1, 3], remove: [2] }, names)).toBe("Add VIP, Gold · Remove trial");
    expect(tagChangesSummary({ add: [], remove: [2] }, names)).toBe("Remove trial");
    expect(tagChangesSummary({ add: [9], remove: [] }, names)).toBe("Add tag #9");
    expect(tagChangesSummary({ add: [], remove: [] }, names)).toBe("");
  });

  it("finds a tag both added and removed", () => {
    expect(conflictingTags({ add: [1, 2], remove: [2, 3] })).toEqual([2]);
  });

  it("reads ids only and goes on through 'next'", () => {
    expect(readTagChanges({ add: [1, "2", 2.5], remove: null })).toEqual({ add: [1], remove: [] });
    expect(exitsOf({ type: "update_tags", config: {}, storedExits: [] })).toEqual([{ name: "next", label: "Next" }]);
  });
});
