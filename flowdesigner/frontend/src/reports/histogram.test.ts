import { describe, expect, it } from "vitest";
import { choiceBars, dateHistogram, formatNumber, rangeBars, sliderHistogram } from "./histogram";

describe("choiceBars", () => {
  const choices = [
    { value: "store", label: "In the store" },
    { value: "web", label: "On the website" },
    { value: "phone", label: "" },
  ];

  it("gives every choice in the form's order with its label, zeros included", () => {
    expect(choiceBars({ web: 2, store: 1 }, choices)).toEqual([
      { label: "In the store", count: 1 },
      { label: "On the website", count: 2 },
      { label: "phone", count: 0 },
    ]);
  });

  it("adds values no choice has any more after them, most given first", () => {
    expect(choiceBars({ web: 1, old: 1, older: 4 }, choices).slice(3)).toEqual([
      { label: "older", count: 4 },
      { label: "old", count: 1 },
    ]);
    expect(choiceBars({ a: 1 }, undefined)).toEqual([{ label: "a", count: 1 }]);
  });
});

describe("sliderHistogram", () => {
  it("has a bar per grid value of a small scale, zeros included", () => {
    const bars = sliderHistogram({ "3": 2, "10": 1, "0": 4 }, { min: 0, max: 10, step: 1 });
    expect(bars).toHaveLength(11);
    expect(bars[0]).toEqual({ label: "0", count: 4 });
    expect(bars[3]).toEqual({ label: "3", count: 2 });
    expect(bars[10]).toEqual({ label: "10", count: 1 });
    expect(bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(7);
  });

  it("shows decimal steps without float noise", () => {
    const bars = sliderHistogram({ "0.3": 1 }, { min: 0, max: 0.5, step: 0.1 });
    expect(bars.map((b) => b.label)).toEqual(["0", "0.1", "0.2", "0.3", "0.4", "0.5"]);
    expect(bars[3]!.count).toBe(1);
  });

  it("bins a wide scale into at most 20 round bins, the maximum in the last", () => {
    const bars = sliderHistogram({ "0": 1, "7": 2, "55": 3, "100": 5 }, { min: 0, max: 100, step: 1 });
    expect(bars.length).toBeLessThanOrEqual(20);
    expect(bars[0]).toEqual({ label: "0 – 10", count: 3 });
    expect(bars[5]).toEqual({ label: "50 – 60", count: 3 });
    expect(bars.at(-1)).toEqual({ label: "90 – 100", count: 5 });
    expect(bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(11);
  });

  it("bins by the data when the widget says nothing, and leaves out keys that are not numbers", () => {
    const values: Record<string, number> = { oops: 9 };
    for (let v = 1; v <= 1000; v += 7) {
      values[String(v)] = 1;
    }
    const bars = sliderHistogram(values);
    // 1 … 995 over at most 20 bins: a round width of 100.
    expect(bars.map((b) => b.label)).toEqual(Array.from({ length: 10 }, (_, i) => `${i * 100} – ${i * 100 + 100}`));
    expect(bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(Object.keys(values).length - 1);
  });

  it("stretches the scale to values outside it (an older version's)", () => {
    const bars = sliderHistogram({ "12": 1 }, { min: 0, max: 10, step: 1 });
    expect(bars.at(-1)).toEqual({ label: "12", count: 1 });
  });

  it("gives one bar for a single value and none for no data", () => {
    expect(sliderHistogram({ "4.5": 3 })).toEqual([{ label: "4.5", count: 3 }]);
    expect(sliderHistogram({})).toEqual([]);
  });
});

describe("rangeBars", () => {
  it("orders ranges by low, then high", () => {
    expect(rangeBars({ "5 – 8": 1, "1 – 9": 2, "1 – 3": 3, "odd": 1 }).map((b) => b.label)).toEqual([
      "1 – 3",
      "1 – 9",
      "5 – 8",
      "odd",
    ]);
  });
});

describe("dateHistogram", () => {
  it("has a bar per day from the first to the last answered day, zeros included", () => {
    expect(dateHistogram({ "2026-12-03": 2, "2026-11-30": 1 })).toEqual([
      { label: "2026-11-30", count: 1 },
      { label: "2026-12-01", count: 0 },
      { label: "2026-12-02", count: 0 },
      { label: "2026-12-03", count: 2 },
    ]);
  });

  it("goes by month over long spans", () => {
    expect(dateHistogram({ "2026-01-15": 1, "2026-01-20": 2, "2026-05-01": 4 })).toEqual([
      { label: "2026-01", count: 3 },
      { label: "2026-02", count: 0 },
      { label: "2026-03", count: 0 },
      { label: "2026-04", count: 0 },
      { label: "2026-05", count: 4 },
    ]);
  });

  it("ignores keys that are not days", () => {
    expect(dateHistogram({ "2026-02-30": 1, later: 2, "2026-02-01": 1 })).toEqual([{ label: "2026-02-01", count: 1 }]);
  });
});

describe("formatNumber", () => {
  it("drops float noise", () => {
    expect(formatNumber(0.1 + 0.2)).toBe("0.3");
    expect(formatNumber(-2)).toBe("-2");
  });
});
