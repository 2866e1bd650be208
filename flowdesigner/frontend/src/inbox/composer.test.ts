import { describe, expect, it } from "vitest";
import { draftProblem, MAX_TEXT, sendsOnEnter } from "./composer";
import { readMessage } from "./messages";

describe("draftProblem", () => {
  it("refuses an empty or blank draft", () => {
    expect(draftProblem("")).toBe("Write a message first.");
    expect(draftProblem("  \n ")).toBe("Write a message first.");
  });

  it("refuses a draft over the limit, counting it without the surrounding spaces", () => {
    expect(draftProblem(` ${"a".repeat(MAX_TEXT)} `)).toBeNull();
    expect(draftProblem("a".repeat(MAX_TEXT + 1))).toBe(
      `A message has at most ${MAX_TEXT} characters (this one has ${MAX_TEXT + 1}).`,
    );
  });

  it("accepts a keyword", () => {
    expect(draftProblem("STOP")).toBeNull();
  });
});

describe("sendsOnEnter", () => {
  it("sends on Enter but not on Shift+Enter, other keys, or while an input method composes", () => {
    expect(sendsOnEnter({ key: "Enter", shiftKey: false, isComposing: false })).toBe(true);
    expect(sendsOnEnter({ key: "Enter", shiftKey: true, isComposing: false })).toBe(false);
    expect(sendsOnEnter({ key: "Enter", shiftKey: false, isComposing: true })).toBe(false);
    expect(sendsOnEnter({ key: "a", shiftKey: false, isComposing: false })).toBe(false);
  });
});

describe("readMessage direction", () => {
  it('reads "in" for what the person wrote and "out" for anything else', () => {
    expect(readMessage({ id: 1, direction: "in", text: "Hello" }).direction).toBe("in");
    expect(readMessage({ id: 2, direction: "out" }).direction).toBe("out");
    // Payloads from before the field: messages to the person.
    expect(readMessage({ id: 3 }).direction).toBe("out");
  });
});
