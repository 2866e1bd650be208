import { describe, expect, it } from "vitest";
import { exitsOf } from "..";
import { duplicateAttributes, listValue, numberValue, readUpdates, updatesSummary, writeUpdate } from "./config";

describe("update person", () => {
  it("says which attributes are set and which cleared", () => {
    const updates = readUpdates({
      updates: [
        { attribute: "city", action: "set", source: "variable", value: "city" },
        { attribute: "score", action: "clear" },
      ],
    });
    expect(updatesSummary(updates)).toBe("Set city, clear score");
    expect(
      updatesSummary(
        readUpdates({
          updates: [
            { attribute: "a", action: "set", value: "1" },
            { attribute: "b", action: "set", value: "2" },
          ],
        }),
      ),
    ).toBe("Set a, b");
    expect(updatesSummary(readUpdates({ updates: [{ attribute: "score", action: "clear" }] }))).toBe("Clear score");
    expect(updatesSummary(readUpdates({ updates: [{ attribute: "", action: "set" }] }))).toBe("");
  });

  it("writes a cleared attribute without source or value", () => {
    expect(writeUpdate({ attribute: "city", action: "clear", source: "template", value: "x" })).toEqual({
      attribute: "city",
      action: "clear",
    });
    expect(writeUpdate({ attribute: "city", action: "set", source: "value", value: undefined })).toEqual({
      attribute: "city",
      action: "set",
      source: "value",
      value: "",
    });
  });

  it("reads a missing source as a constant value", () => {
    expect(readUpdates({ updates: [{ attribute: "x", action: "set", value: 3 }, "junk"] })).toEqual([
      { attribute: "x", action: "set", source: "value", value: 3 },
    ]);
  });

  it("finds an attribute updated twice", () => {
    expect(
      duplicateAttributes(
        readUpdates({
          updates: [
            { attribute: "city", action: "set" },
            { attribute: "city ", action: "clear" },
            { attribute: "", action: "clear" },
          ],
        }),
      ),
    ).toEqual(["city"]);
  });

  it("stores typed numbers as numbers and list items as a list", () => {
    expect(numberValue("42")).toBe(42);
    expect(numberValue("-3.5")).toBe(-3.5);
    expect(numberValue("1.")).toBe("1.");
    expect(listValue("golf, tennis ,, ")).toEqual(["golf", "tennis"]);
  });

  it("goes on through 'next'", () => {
    expect(exitsOf({ type: "update_person", config: {}, storedExits: [] }).map((exit) => exit.name)).toEqual(["next"]);
  });
});
