import { describe, expect, it } from "vitest";
import {
  decodeSubject,
  docFromTree,
  encodeSubject,
  newPropertyFilter,
  operatorsFor,
  propertyInput,
  propertyOperators,
  treeFromDoc,
  withProperty,
  withPropertyOperator,
  withSubject,
} from "./subjects";
import {
  addCondition,
  addEventProperty,
  emptyGroup,
  fromServerPath,
  nodeAt,
  removeEventProperty,
  rowErrors,
  setEventCount,
  setEventProperty,
  setEventWindow,
  toDoc,
  type UiCondition,
  type UiGroup,
  updateAt,
} from "./tree";
import type { OperatorInfo, OperatorTable } from "./types";

const op = (name: string, value: OperatorInfo["value"] = "value"): OperatorInfo => ({ name, label: name, value });
const table: OperatorTable = {
  data_types: {
    BOOLEAN: [op("is"), op("is_not"), op("is_empty", "none")],
    TEXT: [op("is"), op("is_not"), op("contains"), op("is_empty", "none")],
    NUMBER: [op("is"), op("lt"), op("gte"), op("gt")],
    DATE: [op("is"), op("before"), op("is_today", "none"), op("was_within", "duration")],
    DATETIME: [op("is"), op("after"), op("was_within", "duration")],
    LIST: [op("contains"), op("not_contains"), op("is_empty", "none")],
  },
  subjects: {
    tag: [op("has", "none")],
    company: [op("in", "none")],
    segment: [op("in", "none")],
    event: [
      { name: "happened", label: "happened", value: "none" },
      { name: "not_happened", label: "did not happen", value: "none" },
    ],
  },
  attributes: [{ key: "first_name", label: "First name", data_type: "TEXT", number_kind: "", standard: true }],
  events: [
    {
      key: "purchase",
      label: "Purchase",
      properties: [
        { key: "total", label: "Total", data_type: "NUMBER" },
        { key: "items", label: "Items", data_type: "LIST" },
        { key: "currency", label: "Currency", data_type: "TEXT" },
        { key: "paid_at", label: "Paid at", data_type: "DATETIME" },
        { key: "delivery", label: "Delivery", data_type: "DATE" },
      ],
    },
    { key: "login", label: "Login", properties: [] },
  ],
};

const PATH = "root.0";
const start = (): UiGroup => {
  const tree = addCondition(emptyGroup(), "root");
  return updateAt(tree, PATH, (node) =>
    withSubject(table, node as UiCondition, decodeSubject("event:purchase")),
  );
};
const conditionAt = (tree: UiGroup, path = PATH) => nodeAt(tree, path) as UiCondition;

describe("event subject", () => {
  it("encodes event subjects and offers happened / did not happen", () => {
    expect(decodeSubject("event:purchase")).toEqual({ type: "event", ref: "purchase" });
    expect(encodeSubject({ type: "event", ref: "purchase" })).toBe("event:purchase");
    expect(decodeSubject("event:")).toBeNull();
    expect(operatorsFor(table, { type: "event", ref: "purchase" }).map((o) => o.name)).toEqual(["happened", "not_happened"]);
  });

  it("a new event row is a bare happened condition", () => {
    const tree = start();
    expect(conditionAt(tree)).toMatchObject({ operator: "happened", event: { within: null, count: null, properties: [] } });
    expect(docFromTree(table, tree)).toEqual({ op: "and", rules: [{ event: "purchase", operator: "happened" }] });
  });

  it("builds the documented JSON through tree edits", () => {
    let tree = start();
    tree = setEventWindow(tree, PATH, { amount: "7", unit: "days" });
    tree = setEventCount(tree, PATH, { operator: "gte", value: "3" });
    tree = addEventProperty(tree, PATH, newPropertyFilter(table, conditionAt(tree)));
    tree = setEventProperty(tree, PATH, 0, withPropertyOperator(table, conditionAt(tree), conditionAt(tree).event!.properties[0]!, "gte"));
    tree = setEventProperty(tree, PATH, 0, { value: "50" });
    tree = addEventProperty(tree, PATH, newPropertyFilter(table, conditionAt(tree)));
    tree = setEventProperty(tree, PATH, 1, withProperty(table, conditionAt(tree), conditionAt(tree).event!.properties[1]!, "items"));
    tree = setEventProperty(tree, PATH, 1, { value: "golf ball" });
    const doc = {
      op: "and",
      rules: [
        {
          event: "purchase",
          operator: "happened",
          within: { amount: 7, unit: "days" },
          count: { operator: "gte", value: 3 },
          properties: [
            { property: "total", operator: "gte", value: 50 },
            { property: "items", operator: "contains", value: "golf ball" },
          ],
        },
      ],
    };
    expect(docFromTree(table, tree)).toEqual(doc);
    // and back again
    expect(docFromTree(table, treeFromDoc(table, doc as never))).toEqual(doc);
  });

  it("removes the window, the count and property filters", () => {
    let tree = start();
    tree = setEventWindow(tree, PATH, { amount: "2", unit: "hours" });
    tree = setEventCount(tree, PATH, { operator: "eq", value: "0" });
    tree = addEventProperty(tree, PATH, { property: "currency", operator: "is", value: "EUR" });
    tree = addEventProperty(tree, PATH, { property: "total", operator: "gt", value: "10" });
    expect(toDoc(tree, () => undefined)).toMatchObject({
      rules: [{ within: { amount: 2, unit: "hours" }, count: { operator: "eq", value: 0 } }],
    });
    tree = removeEventProperty(tree, PATH, 0);
    expect(conditionAt(tree).event!.properties).toEqual([{ property: "total", operator: "gt", value: "10" }]);
    tree = setEventWindow(setEventCount(removeEventProperty(tree, PATH, 0), PATH, null), PATH, null);
    expect(docFromTree(table, tree)).toEqual({ op: "and", rules: [{ event: "purchase", operator: "happened" }] });
    expect(() => setEventProperty(tree, PATH, 3, { value: "x" })).toThrow();
  });

  it("sends what does not parse as typed, and blanks as null, for the server to name", () => {
    let tree = start();
    tree = setEventWindow(tree, PATH, { amount: "", unit: "days" });
    tree = setEventCount(tree, PATH, { operator: "lte", value: "1.5" });
    expect(docFromTree(table, tree).rules[0]).toMatchObject({
      within: { amount: null, unit: "days" },
      count: { operator: "lte", value: "1.5" },
    });
  });

  it("filters property operators by the property's data type and picks the matching input", () => {
    const condition = conditionAt(start());
    const filter = (property: string, operator = "") => ({ property, operator, value: "" });
    expect(propertyOperators(table, condition, filter("items")).map((o) => o.name)).toEqual(["contains", "not_contains", "is_empty"]);
    expect(propertyOperators(table, condition, filter("total")).map((o) => o.name)).toEqual(["is", "lt", "gte", "gt"]);
    expect(propertyOperators(table, condition, filter("ghost"))).toEqual([]);
    expect(propertyInput(table, condition, filter("total", "gt"))).toBe("number");
    expect(propertyInput(table, condition, filter("items", "is_empty"))).toBe("none");
    expect(propertyInput(table, condition, filter("paid_at", "was_within"))).toBe("duration");
    expect(propertyInput(table, condition, filter("delivery", "was_within"))).toBe("day-duration");
    expect(propertyInput(table, condition, filter("paid_at", "after"))).toBe("datetime-local");
  });

  it("keeps operator and value across a property of the same type, clears them otherwise", () => {
    const condition = conditionAt(start());
    const total = { property: "total", operator: "gt", value: "5" };
    expect(withProperty(table, condition, total, "currency")).toEqual({ property: "currency", operator: "is", value: "" });
    expect(withPropertyOperator(table, condition, { property: "paid_at", operator: "is", value: "x" }, "was_within").value).toBe("");
    expect(withPropertyOperator(table, condition, { property: "total", operator: "gt", value: "5" }, "lt").value).toBe("5");
    expect(newPropertyFilter(table, { ...condition, subject: { type: "event", ref: "login" } })).toEqual({
      property: "",
      operator: "",
      value: "",
    });
  });

  it("keeps window and count on another event but drops property filters; leaving events drops it all", () => {
    let tree = start();
    tree = setEventWindow(tree, PATH, { amount: "7", unit: "days" });
    tree = addEventProperty(tree, PATH, { property: "total", operator: "gt", value: "5" });
    const login = withSubject(table, conditionAt(tree), { type: "event", ref: "login" });
    expect(login.event).toEqual({ within: { amount: "7", unit: "days" }, count: null, properties: [] });
    const attribute = withSubject(table, conditionAt(tree), { type: "attribute", ref: "first_name" });
    expect(attribute.event).toBeUndefined();
    expect(attribute.operator).toBe("is");
  });
});

describe("event error paths", () => {
  it.each([
    ["rules[0].event", { path: "root.0", field: "subject" }],
    ["rules[0].within", { path: "root.0", field: "window" }],
    ["rules[0].within.amount", { path: "root.0", field: "window-amount" }],
    ["rules[0].within.unit", { path: "root.0", field: "window-unit" }],
    ["rules[2].rules[1].count", { path: "root.2.1", field: "count" }],
    ["rules[0].count.operator", { path: "root.0", field: "count-operator" }],
    ["rules[0].count.value", { path: "root.0", field: "count-value" }],
    ["rules[0].properties", { path: "root.0", field: "properties" }],
    ["rules[0].properties[1]", { path: "root.0", field: "property-row", index: 1 }],
    ["rules[0].properties[1].property", { path: "root.0", field: "property", index: 1 }],
    ["rules[0].properties[1].operator", { path: "root.0", field: "property-operator", index: 1 }],
    ["rules[1].rules[0].properties[12].value", { path: "root.1.0", field: "property-value", index: 12 }],
    ["rules[0].properties[0].colour", { path: "root.0", field: "property-row", index: 0 }],
  ])("%s", (server, expected) => {
    expect(fromServerPath(server)).toEqual(expected);
  });

  it("keeps every message with its filter index", () => {
    expect(rowErrors([{ path: "rules[0].properties[1].value", message: "Must be a number." }])).toEqual([
      { path: "root.0", field: "property-value", index: 1, message: "Must be a number." },
    ]);
  });
});
