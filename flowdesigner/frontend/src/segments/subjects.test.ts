import { describe, expect, it } from "vitest";
import {
  coerceValue,
  conditionInput,
  decodeSubject,
  docFromTree,
  durationText,
  durationUnits,
  encodeSubject,
  inputKind,
  operatorsFor,
  splitDuration,
  treeFromDoc,
  valueText,
  withOperator,
  withSubject,
} from "./subjects";
import type { UiCondition } from "./tree";
import type { OperatorInfo, OperatorTable } from "./types";

const op = (name: string, value: OperatorInfo["value"] = "value"): OperatorInfo => ({ name, label: name, value });
const table: OperatorTable = {
  data_types: {
    BOOLEAN: [op("is"), op("is_not"), op("is_empty", "none")],
    TEXT: [op("is"), op("contains"), op("starts_with"), op("is_empty", "none")],
    NUMBER: [op("is"), op("lt"), op("gt")],
    DATE: [op("is"), op("before"), op("is_today", "none"), op("will_be_in", "duration"), op("was", "duration")],
    DATETIME: [op("is"), op("after"), op("was_within", "duration"), op("was", "duration")],
    LIST: [op("contains"), op("not_contains"), op("is_empty", "none")],
  },
  subjects: { tag: [op("has", "none"), op("has_not", "none")], company: [op("in", "none")], segment: [op("in", "none")] },
  attributes: [
    { key: "first_name", label: "First name", data_type: "TEXT", number_kind: "", standard: true },
    { key: "birth_date", label: "Birth date", data_type: "DATE", number_kind: "", standard: true },
    { key: "created_at", label: "Created", data_type: "DATETIME", number_kind: "", standard: true },
    { key: "score", label: "Score", data_type: "NUMBER", number_kind: "whole", standard: false },
    { key: "interests", label: "Interests", data_type: "LIST", number_kind: "", standard: false },
    { key: "vip", label: "VIP", data_type: "BOOLEAN", number_kind: "", standard: false },
  ],
};
const cond = (over: Partial<UiCondition>): UiCondition => ({ kind: "condition", subject: null, operator: "", value: "", ...over });

describe("operators by data type", () => {
  it("offers the operators of the subject's data type, in the server's order", () => {
    expect(operatorsFor(table, { type: "attribute", ref: "first_name" }).map((o) => o.name)).toEqual([
      "is",
      "contains",
      "starts_with",
      "is_empty",
    ]);
    expect(operatorsFor(table, { type: "attribute", ref: "interests" }).map((o) => o.name)).toEqual([
      "contains",
      "not_contains",
      "is_empty",
    ]);
    expect(operatorsFor(table, { type: "tag", ref: 3 }).map((o) => o.name)).toEqual(["has", "has_not"]);
    expect(operatorsFor(table, { type: "company", ref: 3 }).map((o) => o.name)).toEqual(["in"]);
    expect(operatorsFor(table, null)).toEqual([]);
    expect(operatorsFor(table, { type: "attribute", ref: "ghost" })).toEqual([]);
  });

  it("keeps the operator when the new subject offers it, and the value only for the same type", () => {
    const text = cond({ subject: { type: "attribute", ref: "first_name" }, operator: "is", value: "ann" });
    expect(withSubject(table, text, { type: "attribute", ref: "score" })).toMatchObject({ operator: "is", value: "" });
    expect(withSubject(table, text, { type: "tag", ref: 1 })).toMatchObject({ operator: "has", value: "" });
    expect(withSubject(table, cond({}), { type: "attribute", ref: "first_name" })).toMatchObject({ operator: "is" });
  });

  it("clears the value when the operator takes another kind of value", () => {
    const date = cond({ subject: { type: "attribute", ref: "birth_date" }, operator: "is", value: "2020-01-01" });
    expect(withOperator(table, date, "before").value).toBe("2020-01-01");
    expect(withOperator(table, date, "will_be_in").value).toBe("");
    const soon = cond({ subject: { type: "attribute", ref: "birth_date" }, operator: "will_be_in", value: "2 weeks" });
    expect(withOperator(table, soon, "was").value).toBe("2 weeks");
    // a date-time duration ("3 hours") does not carry over to a date attribute
    const recent = cond({ subject: { type: "attribute", ref: "created_at" }, operator: "was", value: "3 hours" });
    expect(withSubject(table, recent, { type: "attribute", ref: "birth_date" })).toMatchObject({ operator: "was", value: "" });
  });

  it("encodes subjects as option values", () => {
    expect(decodeSubject(encodeSubject({ type: "tag", ref: 12 }))).toEqual({ type: "tag", ref: 12 });
    expect(decodeSubject("attribute:first_name")).toEqual({ type: "attribute", ref: "first_name" });
    expect(decodeSubject("tag:x")).toBeNull();
    expect(decodeSubject("")).toBeNull();
  });
});

describe("value inputs and coercion", () => {
  it.each([
    ["first_name", "is", "text"],
    ["score", "gt", "number"],
    ["birth_date", "before", "date"],
    ["birth_date", "will_be_in", "day-duration"],
    ["created_at", "was_within", "duration"],
    ["birth_date", "is_today", "none"],
    ["interests", "contains", "list-item"],
    ["interests", "is_empty", "none"],
    ["vip", "is", "boolean"],
  ])("%s %s takes a %s input", (key, operator, kind) => {
    expect(conditionInput(table, cond({ subject: { type: "attribute", ref: key }, operator }))).toBe(kind);
  });

  it("shows no input for tags and the datetime-local input for DATETIME", () => {
    expect(conditionInput(table, cond({ subject: { type: "tag", ref: 1 }, operator: "has" }))).toBe("none");
    expect(inputKind("value", "DATETIME")).toBe("datetime-local");
  });

  it("sends numbers, days and booleans typed, leaves nonsense for the server to name", () => {
    expect(coerceValue("number", " 4.5 ")).toBe(4.5);
    expect(coerceValue("number", "")).toBeNull();
    expect(coerceValue("days", "7")).toBe(7); // the older value kind
    expect(coerceValue("boolean", "false")).toBe(false);
    expect(coerceValue("boolean", "")).toBeNull();
    expect(coerceValue("none", "x")).toBeUndefined();
    expect(coerceValue("text", "  ")).toBeNull();
    expect(coerceValue("text", "Ann")).toBe("Ann");
    expect(coerceValue("date", "2025-03-10")).toBe("2025-03-10");
  });

  it("sends a local date-time as a UTC instant and reads it back the same", () => {
    const sent = coerceValue("datetime-local", "2025-03-10T09:30") as string;
    expect(sent).toMatch(/^2025-03-(09|10|11)T\d\d:30:00\.000Z$/);
    expect(valueText("datetime-local", sent)).toBe("2025-03-10T09:30");
    expect(valueText("number", 3)).toBe("3");
    expect(valueText("text", null)).toBe("");
  });
});

describe("durations", () => {
  it("offer minutes and hours only for a date-time", () => {
    expect(durationUnits("duration")).toEqual(["minutes", "hours", "days", "weeks"]);
    expect(durationUnits("day-duration")).toEqual(["days", "weeks"]);
  });

  it("keep the amount and the unit in one string, the unit defaulting to days", () => {
    expect(splitDuration(durationText("3", "hours"))).toEqual({ amount: "3", unit: "hours" });
    expect(splitDuration(durationText("", "weeks"))).toEqual({ amount: "", unit: "weeks" });
    expect(splitDuration("4")).toEqual({ amount: "4", unit: "days" });
    expect(splitDuration("")).toEqual({ amount: "", unit: "days" });
  });

  it("are sent as {amount, unit}; nothing typed is no value, nonsense is left for the server to name", () => {
    expect(coerceValue("duration", "90 minutes")).toEqual({ amount: 90, unit: "minutes" });
    expect(coerceValue("day-duration", "2 weeks")).toEqual({ amount: 2, unit: "weeks" });
    expect(coerceValue("day-duration", "5")).toEqual({ amount: 5, unit: "days" });
    expect(coerceValue("day-duration", "1.5 days")).toEqual({ amount: "1.5", unit: "days" });
    expect(coerceValue("duration", " hours")).toBeNull();
  });

  it("read stored values back, a bare number (the older format) as days", () => {
    expect(valueText("day-duration", 3)).toBe("3 days");
    expect(valueText("duration", { amount: 12, unit: "hours" })).toBe("12 hours");
    expect(valueText("duration", { unit: "hours" })).toBe(" hours");
  });

  it("round-trip a document, rewriting a bare number of days as a duration", () => {
    const doc = {
      op: "and" as const,
      rules: [
        { attribute: "birth_date", operator: "will_be_in", value: 3 },
        { attribute: "created_at", operator: "was_within", value: { amount: 90, unit: "minutes" } },
        { attribute: "birth_date", operator: "is_today" },
      ],
    };
    const tree = treeFromDoc(table, doc);
    expect(tree.rules.map((rule) => (rule.kind === "condition" ? rule.value : null))).toEqual(["3 days", "90 minutes", ""]);
    expect(docFromTree(table, tree).rules).toEqual([
      { attribute: "birth_date", operator: "will_be_in", value: { amount: 3, unit: "days" } },
      { attribute: "created_at", operator: "was_within", value: { amount: 90, unit: "minutes" } },
      { attribute: "birth_date", operator: "is_today" },
    ]);
  });
});
