import { describe, expect, it } from "vitest";
import {
  coerceValue,
  conditionInput,
  decodeSubject,
  encodeSubject,
  inputKind,
  operatorsFor,
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
    DATE: [op("is"), op("before"), op("is_today", "none"), op("will_be_in", "days")],
    DATETIME: [op("is"), op("after"), op("was_within", "days")],
    LIST: [op("contains"), op("not_contains"), op("is_empty", "none")],
  },
  subjects: { tag: [op("has", "none"), op("has_not", "none")], company: [op("in", "none")], segment: [op("in", "none")] },
  attributes: [
    { key: "first_name", label: "First name", data_type: "TEXT", number_kind: "", standard: true },
    { key: "birth_date", label: "Birth date", data_type: "DATE", number_kind: "", standard: true },
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
    ["birth_date", "will_be_in", "days"],
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
    expect(coerceValue("days", "7")).toBe(7);
    expect(coerceValue("days", "7.5")).toBe("7.5");
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
