import { describe, expect, it } from "vitest";
import type { OperatorTable } from "../../../segments/types";
import {
  describeCondition,
  issuePath,
  pathId,
  placeRuleIssues,
  profileChangeSummary,
  readRules,
  withAttribute,
  withOperator,
  withValueSource,
} from "./config";

const op = (name: string, value: "none" | "value" | "days" = "value") => ({ name, label: name.replaceAll("_", " "), value });
const table: OperatorTable = {
  data_types: {
    BOOLEAN: [op("is"), op("is_not"), op("is_empty", "none")],
    TEXT: [op("is"), op("is_not"), op("contains"), op("is_empty", "none")],
    NUMBER: [op("is"), op("gt")],
    DATE: [op("is"), op("before"), op("is_today", "none"), op("will_be_in", "days"), op("was", "days")],
    DATETIME: [op("before"), op("is_today", "none")],
    LIST: [op("contains")],
  },
  subjects: { tag: [], company: [], segment: [] },
  attributes: [
    { key: "opt_in", label: "Opt-in", data_type: "BOOLEAN", number_kind: "", standard: true },
    { key: "birth_date", label: "Birth date", data_type: "DATE", number_kind: "", standard: true },
    { key: "city", label: "City", data_type: "TEXT", number_kind: "", standard: false },
    { key: "home", label: "Home", data_type: "TEXT", number_kind: "", standard: false },
  ],
};

describe("change in people profile", () => {
  it("reads the rules as a group, wrapping a lone condition", () => {
    expect(readRules({ rules: { op: "or", rules: [{ attribute: "opt_in", operator: "is", value: true }] } })).toEqual({
      op: "or",
      rules: [{ attribute: "opt_in", operator: "is", value: true }],
    });
    expect(readRules({ rules: { attribute: "birth_date", operator: "is_today" } })).toEqual({
      op: "and",
      rules: [{ attribute: "birth_date", operator: "is_today" }],
    });
    expect(readRules({})).toEqual({ op: "and", rules: [] });
  });

  it("keeps operator and value on another attribute of the same type, resets them on another type", () => {
    const city = { attribute: "city", operator: "contains", value: "Gent" };
    expect(withAttribute(table, city, "home")).toEqual({ attribute: "home", operator: "contains", value: "Gent" });
    expect(withAttribute(table, city, "opt_in")).toEqual({ attribute: "opt_in", operator: "is" });
    expect(withAttribute(table, { attribute: "", operator: "" }, "birth_date")).toEqual({ attribute: "birth_date", operator: "is" });
  });

  it("drops the value for an operator without one and keeps a variable while one is taken", () => {
    const onVariable = { attribute: "city", operator: "is", value: { variable: "home_city" } };
    expect(withOperator(table, onVariable, "is_empty")).toEqual({ attribute: "city", operator: "is_empty" });
    expect(withOperator(table, onVariable, "contains")).toEqual({ ...onVariable, operator: "contains" });
    const inDays = { attribute: "birth_date", operator: "will_be_in", value: 3 };
    expect(withOperator(table, inDays, "was")).toEqual({ ...inDays, operator: "was" });
    expect(withOperator(table, inDays, "is")).toEqual({ attribute: "birth_date", operator: "is" });
  });

  it("switches a condition between a value and a flow variable", () => {
    const city = { attribute: "city", operator: "is", value: "Gent" };
    expect(withValueSource(city, "variable", "home_city")).toEqual({ attribute: "city", operator: "is", value: { variable: "home_city" } });
    expect(withValueSource({ ...city, value: { variable: "x" } }, "value")).toEqual({ attribute: "city", operator: "is" });
  });

  it("describes conditions and the rules on the node", () => {
    expect(describeCondition({ attribute: "birth_date", operator: "is_today" })).toBe("birth_date is today");
    expect(describeCondition({ attribute: "opt_in", operator: "is", value: true })).toBe("opt_in is yes");
    expect(describeCondition({ attribute: "city", operator: "is", value: { variable: "home" } })).toBe("city is variables.home");
    expect(describeCondition({ attribute: "birth_date", operator: "will_be_in", value: 3 })).toBe("birth_date will be in 3 days");
    const rules = readRules({
      rules: {
        op: "or",
        rules: [
          { attribute: "opt_in", operator: "is", value: true },
          { attribute: "city", operator: "not_contains", value: "x" },
        ],
      },
    });
    expect(profileChangeSummary(rules)).toEqual(["Any of 2 conditions", "opt_in is yes", "city does not contain x"]);
    expect(profileChangeSummary(readRules({}))).toEqual([]);
  });

  it("places the server's issues on the condition they name", () => {
    expect(issuePath("config.rules.rules[1]", "Only person attributes can start this trigger")).toBe("rules[1]");
    expect(issuePath("config.rules", "Unknown attribute 'ghost'. (rules[0].rules[2].attribute)")).toBe("rules[0].rules[2]");
    expect(issuePath("config.rules", "Add a condition on a person attribute")).toBeNull();
    const placed = placeRuleIssues([
      { field: "config.rules", message: "Bad value (rules[0].value)" },
      { field: "config.rules", message: "Add a condition on a person attribute" },
      { field: "exits.next", message: "Exit is not connected" },
    ]);
    expect([...placed.byPath]).toEqual([["rules[0]", ["Bad value (rules[0].value)"]]]);
    expect(placed.general).toEqual(["Add a condition on a person attribute"]);
    expect(pathId("rules[1].rules[0]")).toBe("1-0");
  });
});
