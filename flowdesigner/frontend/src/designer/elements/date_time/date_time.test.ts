import { describe, expect, it } from "vitest";
import { dateTimeSummary, offsetUnits, readDateTime, withDateAttribute, withDateOperator } from "./config";

describe("date or time entry", () => {
  it("reads the config, an unknown operator as 'is today'", () => {
    expect(readDateTime({ attribute: "appointmentAt", operator: "is_in", offset: { amount: 4, unit: "hours" } })).toEqual({
      attribute: "appointmentAt",
      operator: "is_in",
      offset: { amount: 4, unit: "hours" },
    });
    expect(readDateTime({ operator: "someday" })).toEqual({ attribute: "", operator: "is_today", offset: null });
  });

  it("summarises like the seed: 'appointmentAt is in 4 hours'", () => {
    const summary = (config: Record<string, unknown>) => dateTimeSummary(readDateTime(config));
    expect(summary({ attribute: "appointmentAt", operator: "is_in", offset: { amount: 4, unit: "hours" } })).toBe(
      "appointmentAt is in 4 hours",
    );
    expect(summary({ attribute: "TrialExpiryDate", operator: "was", offset: { amount: 1, unit: "days" } })).toBe(
      "TrialExpiryDate was 1 day ago",
    );
    expect(summary({ attribute: "birth_date", operator: "is_today" })).toBe("birth_date is today");
    expect(summary({ attribute: "DueDate", operator: "is_tomorrow" })).toBe("DueDate is tomorrow");
    expect(summary({ attribute: "DueDate", operator: "was_yesterday" })).toBe("DueDate was yesterday");
    expect(summary({ attribute: "", operator: "is_today" })).toBe("");
  });

  it("gives 'is in' and 'was' an offset and takes it away from the others", () => {
    expect(withDateOperator({ attribute: "a", operator: "is_today" }, "is_in")).toEqual({
      attribute: "a",
      operator: "is_in",
      offset: { amount: 1, unit: "days" },
    });
    const inFourHours = { attribute: "a", operator: "is_in", offset: { amount: 4, unit: "hours" } };
    expect(withDateOperator(inFourHours, "was")).toEqual({ ...inFourHours, operator: "was" });
    expect(withDateOperator(inFourHours, "was_yesterday")).toEqual({ attribute: "a", operator: "was_yesterday" });
  });

  it("offers minutes and hours only for date-time attributes", () => {
    expect(offsetUnits("DATETIME")).toEqual(["minutes", "hours", "days", "weeks"]);
    expect(offsetUnits("DATE")).toEqual(["days", "weeks"]);
    const inFourHours = { attribute: "appointmentAt", operator: "is_in", offset: { amount: 4, unit: "hours" } };
    expect(withDateAttribute(inFourHours, "birth_date", "DATE")).toEqual({
      attribute: "birth_date",
      operator: "is_in",
      offset: { amount: 4, unit: "days" },
    });
    expect(withDateAttribute(inFourHours, "callAt", "DATETIME")).toEqual({ ...inFourHours, attribute: "callAt" });
  });
});
