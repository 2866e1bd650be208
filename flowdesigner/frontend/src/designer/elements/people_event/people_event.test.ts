import { describe, expect, it } from "vitest";
import type { EventInfo } from "../../../segments/types";
import {
  conditionsProblem,
  describeCondition,
  newCondition,
  peopleEventSummary,
  readPeopleEvent,
  savableProperties,
  withEvent,
  writeCondition,
} from "./config";

const events: EventInfo[] = [
  {
    key: "addToCart",
    label: "Add to cart",
    properties: [
      { key: "itemId", label: "Item", data_type: "TEXT" },
      { key: "price", label: "Price", data_type: "NUMBER" },
    ],
  },
  { key: "purchase", label: "Purchase", properties: [{ key: "price", label: "Price", data_type: "NUMBER" }] },
];

const stored = {
  conditions: [
    {
      event: "addToCart",
      operator: "happened",
      within: { amount: 7, unit: "days" },
      count: { operator: "eq", value: 3 },
      properties: [{ property: "itemId", operator: "is", value: "A1" }],
    },
    { event: "purchase", operator: "not_happened", within: { amount: 2, unit: "days" } },
  ],
  save: [{ property: "itemId", variable: "item" }],
  include_historical: true,
};

describe("people real-time event", () => {
  it("reads the conditions and writes them back as stored", () => {
    const read = readPeopleEvent(stored);
    expect(read.includeHistorical).toBe(true);
    expect(read.save).toEqual([{ property: "itemId", variable: "item" }]);
    expect(read.conditions.map(writeCondition)).toEqual(stored.conditions);
    expect(readPeopleEvent({})).toEqual({ conditions: [], save: [], includeHistorical: false });
  });

  it("starts with 'happened', then offers 'did not happen' beside it", () => {
    expect(newCondition([], events)).toEqual({ event: "addToCart", operator: "happened", within: null, count: null, properties: [] });
    const first = readPeopleEvent(stored).conditions[0]!;
    expect(newCondition([first], events).operator).toBe("not_happened");
  });

  it("drops the property filters when the event changes", () => {
    const first = readPeopleEvent(stored).conditions[0]!;
    expect(withEvent(first, "purchase")).toEqual({ ...first, event: "purchase", properties: [] });
    expect(withEvent(first, "addToCart")).toBe(first);
  });

  it("refuses conditions without a 'happened', as the engine", () => {
    expect(conditionsProblem([])).toMatch(/Choose the event/);
    expect(conditionsProblem([readPeopleEvent(stored).conditions[1]!])).toMatch(/can only go beside/);
    expect(conditionsProblem(readPeopleEvent(stored).conditions)).toBeNull();
  });

  it("offers to save the properties of the events that start the flow, each once", () => {
    const conditions = readPeopleEvent(stored).conditions;
    expect(savableProperties(conditions, events).map((property) => property.key)).toEqual(["itemId", "price"]);
    expect(savableProperties([conditions[1]!], events)).toEqual([]);
  });

  it("describes each condition and the rest on the node", () => {
    const read = readPeopleEvent(stored);
    expect(describeCondition(read.conditions[0]!)).toBe(
      "addToCart happened exactly 3 times in the last 7 days (with 1 property filter)",
    );
    expect(peopleEventSummary(read)).toEqual([
      "addToCart happened exactly 3 times in the last 7 days (with 1 property filter)",
      "purchase did not happen in the last 2 days",
      "Saves itemId → item",
      "Earlier events count too",
    ]);
    expect(describeCondition({ event: "login", operator: "happened", within: { amount: 1, unit: "hours" }, count: null, properties: [] })).toBe(
      "login happened in the last 1 hour",
    );
  });
});
