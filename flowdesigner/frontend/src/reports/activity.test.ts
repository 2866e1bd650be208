import { describe, expect, it } from "vitest";
import { activityChart, bucketLabel, rangeQuery } from "./activity";
import type { Activity } from "./types";

const now = new Date("2026-12-08T10:30:00Z");

describe("rangeQuery", () => {
  it("goes back from now for the presets", () => {
    expect(rangeQuery({ kind: "preset", preset: "24h" }, now)).toEqual({
      start: "2026-12-07T10:30:00.000Z",
      end: "2026-12-08T10:30:00.000Z",
    });
    expect(rangeQuery({ kind: "preset", preset: "30d" }, now)?.start).toBe("2026-11-08T10:30:00.000Z");
  });

  it("covers whole days of a custom range, the last day included", () => {
    expect(rangeQuery({ kind: "custom", from: "2026-12-01", to: "2026-12-03" }, now)).toEqual({
      start: "2026-12-01T00:00:00Z",
      end: "2026-12-04T00:00:00Z",
    });
    expect(rangeQuery({ kind: "custom", from: "2026-12-31", to: "2026-12-31" }, now)).toEqual({
      start: "2026-12-31T00:00:00Z",
      end: "2027-01-01T00:00:00Z",
    });
  });

  it("sends a range the wrong way round as typed (start after end), for the server to refuse", () => {
    const range = rangeQuery({ kind: "custom", from: "2026-12-05", to: "2026-12-04" }, now);
    expect(range).toEqual({ start: "2026-12-05T00:00:00Z", end: "2026-12-04T00:00:00Z" });
    expect(range!.start > range!.end).toBe(true);
  });

  it("waits for both dates of a custom range", () => {
    expect(rangeQuery({ kind: "custom", from: "", to: "2026-12-04" }, now)).toBeNull();
    expect(rangeQuery({ kind: "custom", from: "2026-12-04", to: "12/05/2026" }, now)).toBeNull();
  });
});

describe("activityChart", () => {
  const activity: Activity = {
    bucket: "hour",
    start: "2026-12-01T06:00:00+00:00",
    end: "2026-12-01T08:00:00+00:00",
    series: [
      { at: "2026-12-01T06:00:00+00:00", entered: 5, completed: 2, failed: 0, exited: 1, active: 2 },
      { at: "2026-12-01T07:00:00+00:00", entered: 0, completed: 1, failed: 1, exited: 0, active: 0 },
    ],
  };

  it("labels buckets in UTC and makes a dataset per series", () => {
    const chart = activityChart(activity);
    expect(chart.labels).toEqual(["2026-12-01 06:00", "2026-12-01 07:00"]);
    expect(chart.datasets.map((d) => [d.label, d.data])).toEqual([
      ["Entered", [5, 0]],
      ["Completed", [2, 1]],
      ["Exited", [1, 0]],
      ["Failed", [0, 1]],
      ["Active", [2, 0]],
    ]);
  });

  it("gives the same numbers as a table", () => {
    expect(activityChart(activity).table).toEqual({
      columns: ["Hour (UTC)", "Entered", "Completed", "Exited", "Failed", "Active"],
      rows: [
        ["2026-12-01 06:00", 5, 2, 1, 0, 2],
        ["2026-12-01 07:00", 0, 1, 0, 1, 0],
      ],
    });
  });

  it("labels days by date, in UTC whatever the offset the server wrote", () => {
    expect(bucketLabel("2026-12-01T00:00:00+00:00", "day")).toBe("2026-12-01");
    expect(bucketLabel("2026-12-01T01:00:00+01:00", "hour")).toBe("2026-12-01 00:00");
    expect(activityChart({ ...activity, bucket: "day" }).table.columns[0]).toBe("Day (UTC)");
  });
});
