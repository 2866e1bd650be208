import { describe, expect, it } from "vitest";
import {
  conditionProblem,
  describeCapture,
  describeCondition,
  newCondition,
  readCaptures,
  readCondition,
  readConditions,
  withOperator,
  writeCondition,
} from "./inbound";

describe("inbound conditions as stored", () => {
  it("reads a missing or malformed condition with defaults", () => {
    expect(readCondition(null)).toEqual({
      operator: "matches_text",
      values: [],
      pattern: "",
      ignore_case: false,
      multiline: false,
      attribute: "",
    });
    expect(readConditions("nope")).toEqual([]);
    expect(readCondition({ operator: "contains_word", values: ["a", 3] }).values).toEqual(["a", ""]);
  });

  it("keeps an unknown operator as stored", () => {
    expect(readCondition({ operator: "button_payload" }).operator).toBe("button_payload");
    expect(writeCondition(readCondition({ operator: "button_payload" }))).toEqual({ operator: "button_payload" });
  });

  it("writes only the keys each operator uses", () => {
    const full = readCondition({
      operator: "matches_text",
      values: ["yes", "y"],
      pattern: "^x$",
      ignore_case: true,
      multiline: true,
      attribute: "email",
    });
    expect(writeCondition(full)).toEqual({ operator: "matches_text", values: ["yes", "y"] });
    expect(writeCondition({ ...full, operator: "contains_word" })).toEqual({ operator: "contains_word", values: ["yes", "y"] });
    expect(writeCondition({ ...full, operator: "matches_regex" })).toEqual({
      operator: "matches_regex",
      pattern: "^x$",
      ignore_case: true,
      multiline: true,
    });
    expect(writeCondition({ ...full, operator: "equals_attribute" })).toEqual({ operator: "equals_attribute", attribute: "email" });
    expect(writeCondition({ ...full, operator: "anything" })).toEqual({ operator: "anything" });
  });

  it("starts a new condition as Matches text with one value to type", () => {
    expect(writeCondition(newCondition())).toEqual({ operator: "matches_text", values: [""] });
  });

  it("keeps the values between text operators and gives a text operator a value to type", () => {
    const yes = readCondition({ operator: "matches_text", values: ["yes"] });
    expect(withOperator(yes, "contains_text").values).toEqual(["yes"]);
    const regex = readCondition({ operator: "matches_regex", pattern: "x" });
    expect(withOperator(regex, "contains_word").values).toEqual([""]);
    expect(withOperator(regex, "anything").pattern).toBe("x");
  });
});

describe("a condition in a few words", () => {
  it.each([
    [{ operator: "matches_text", values: ["yes", "y"] }, 'Matches text: "yes", "y"'],
    [{ operator: "contains_text", values: ["time", " "] }, 'Contains text: "time"'],
    [{ operator: "contains_word", values: [""] }, "Contains word: (no value yet)"],
    [{ operator: "matches_regex", pattern: "^stop$", ignore_case: true }, "Matches RegEx: ^stop$ (ignore case)"],
    [{ operator: "matches_regex", pattern: "a", ignore_case: true, multiline: true }, "Matches RegEx: a (ignore case, multiline)"],
    [{ operator: "matches_regex" }, "Matches RegEx: (no pattern yet)"],
    [{ operator: "equals_attribute", attribute: "last_name" }, "Is equal to person attribute: last_name"],
    [{ operator: "anything" }, "Anything"],
    [{ operator: "button_payload" }, "button_payload"],
  ])("%j", (stored, words) => {
    expect(describeCondition(readCondition(stored))).toBe(words);
  });
});

describe("hints on a condition the engine would refuse", () => {
  it.each([
    [{ operator: "matches_text", values: [] }, /at least one value/],
    [{ operator: "matches_text", values: ["yes", "  "] }, /every value/],
    [{ operator: "matches_regex", pattern: "" }, /regular expression/],
    [{ operator: "matches_regex", pattern: "a".repeat(1001) }, /longer than 1000/],
    [{ operator: "equals_attribute" }, /attribute/],
    [{ operator: "button_payload" }, /not an operator/],
  ])("%j", (stored, problem) => {
    expect(conditionProblem(readCondition(stored))).toMatch(problem);
  });

  it.each([
    { operator: "contains_word", values: ["good morning"] },
    { operator: "matches_regex", pattern: "(a+)+$" },
    { operator: "equals_attribute", attribute: "email" },
    { operator: "anything" },
  ])("none for %j", (stored) => {
    expect(conditionProblem(readCondition(stored))).toBeNull();
  });
});

describe("captures", () => {
  it("reads malformed entries with defaults and describes each", () => {
    const captures = readCaptures([{ source: "sender", variable: "phone", pattern: "" }, { variable: "code", pattern: "(\\d+)" }, 7]);
    expect(captures).toEqual([
      { source: "sender", variable: "phone", pattern: "" },
      { source: "body", variable: "code", pattern: "(\\d+)" },
      { source: "body", variable: "", pattern: "" },
    ]);
    expect(captures.map(describeCapture)).toEqual(["Sender → phone", "Message body (RegExp parse) → code", "Message body → ?"]);
    expect(readCaptures(undefined)).toEqual([]);
  });
});
