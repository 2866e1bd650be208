import { describe, expect, it } from "vitest";
import { epochToInput, inputStep, inputToEpoch, inputType, snapToInterval } from "./dates";

describe("date widget values ⇄ inputs (UTC wall-clock time)", () => {
  // [mode, input value, epoch seconds]
  const table: Array<["date" | "time" | "date_time", string, number]> = [
    ["date", "2025-07-12", Date.UTC(2025, 6, 12) / 1000],
    ["date", "1970-01-01", 0],
    ["date", "2024-02-29", Date.UTC(2024, 1, 29) / 1000],
    ["time", "00:00", 0],
    ["time", "14:30", 14 * 3600 + 30 * 60],
    ["time", "23:59", 23 * 3600 + 59 * 60],
    ["date_time", "2025-07-12T14:30", Date.UTC(2025, 6, 12, 14, 30) / 1000],
    ["date_time", "1999-12-31T23:45", Date.UTC(1999, 11, 31, 23, 45) / 1000],
  ];

  it.each(table)("reads %s %j as %d", (mode, text, epoch) => {
    expect(inputToEpoch(text, mode)).toBe(epoch);
  });

  it.each(table)("shows %s of %j back the same", (mode, text, epoch) => {
    expect(epochToInput(epoch, mode)).toBe(text);
  });

  it("reads seconds in a time input and drops them when shown", () => {
    expect(inputToEpoch("14:30:15", "time")).toBe(14 * 3600 + 30 * 60 + 15);
    expect(epochToInput(14 * 3600 + 30 * 60 + 15, "time")).toBe("14:30");
  });

  it.each([
    ["date", ""],
    ["date", "2025-02-30"],
    ["date", "2025-13-01"],
    ["date", "12/07/2025"],
    ["time", "24:00"],
    ["time", "12:60"],
    ["time", "noon"],
    ["date_time", "2025-07-12"],
    ["date_time", "2025-07-12T25:00"],
    ["date_time", "2025-07-12T10:00T11:00"],
  ] as const)("refuses %s %j", (mode, text) => {
    expect(inputToEpoch(text, mode)).toBeNull();
  });

  it("shows nothing for no date", () => {
    expect(epochToInput(null, "date")).toBe("");
    expect(epochToInput(undefined, "time")).toBe("");
    expect(epochToInput(Number.NaN, "date_time")).toBe("");
  });

  it("shows the time part of a full date in time mode, and the day in date mode", () => {
    const epoch = Date.UTC(2025, 6, 12, 9, 5) / 1000;
    expect(epochToInput(epoch, "time")).toBe("09:05");
    expect(epochToInput(epoch, "date")).toBe("2025-07-12");
  });
});

describe("minute interval", () => {
  const at = (h: number, m: number) => h * 3600 + m * 60;

  it.each([
    [at(14, 7), 15, at(14, 0)],
    [at(14, 8), 15, at(14, 15)],
    [at(14, 52), 15, at(14, 45)],
    [at(14, 53), 15, at(15, 0)],
    [at(9, 2), 5, at(9, 0)],
    [at(9, 3), 5, at(9, 5)],
    [at(9, 3), 1, at(9, 3)],
  ])("snaps %d to every %d minutes: %d", (epoch, interval, snapped) => {
    expect(snapToInterval(epoch, "time", interval)).toBe(snapped);
    expect(snapToInterval(epoch + 86_400 * 100, "date_time", interval)).toBe(snapped + 86_400 * 100);
  });

  it("leaves dates alone", () => {
    expect(snapToInterval(Date.UTC(2025, 6, 12) / 1000, "date", 15)).toBe(Date.UTC(2025, 6, 12) / 1000);
  });

  it("steps the input by the interval in seconds, a day for dates", () => {
    expect(inputStep("time", 15)).toBe(900);
    expect(inputStep("date_time", 1)).toBe(60);
    expect(inputStep("date", 15)).toBe(1);
  });

  it("uses the input type of the mode", () => {
    expect([inputType("date"), inputType("time"), inputType("date_time")]).toEqual(["date", "time", "datetime-local"]);
  });
});
