/** The activity chart: which range to ask the activity API for, and its series as chart data and a table. */

import type { Activity, ActivityPoint, Bucket, TableData } from "./types";

export type RangePreset = "24h" | "7d" | "30d";

export type RangeChoice = { kind: "preset"; preset: RangePreset } | { kind: "custom"; from: string; to: string };

export const PRESETS: Array<{ preset: RangePreset; label: string; hours: number }> = [
  { preset: "24h", label: "Last 24 hours", hours: 24 },
  { preset: "7d", label: "Last 7 days", hours: 7 * 24 },
  { preset: "30d", label: "Last 30 days", hours: 30 * 24 },
];

const HOUR_MS = 3_600_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The start and end to ask for (ISO, UTC), or null while a custom range is not filled in. A custom range
 * covers whole days (UTC), the "to" day included; one the wrong way round is sent as typed, so the server's
 * own message says what is wrong.
 */
export function rangeQuery(choice: RangeChoice, now: Date): { start: string; end: string } | null {
  if (choice.kind === "preset") {
    const hours = PRESETS.find((p) => p.preset === choice.preset)?.hours ?? 24 * 7;
    return { start: new Date(now.getTime() - hours * HOUR_MS).toISOString(), end: now.toISOString() };
  }
  if (!DAY.test(choice.from) || !DAY.test(choice.to)) {
    return null;
  }
  const start = `${choice.from}T00:00:00Z`;
  if (choice.from > choice.to) {
    return { start, end: `${choice.to}T00:00:00Z` };
  }
  const end = new Date(Date.parse(`${choice.to}T00:00:00Z`) + 24 * HOUR_MS);
  return { start, end: end.toISOString().replace(".000Z", "Z") };
}

/** A bucket's label in UTC: "2026-12-01 06:00" per hour, "2026-12-01" per day. */
export function bucketLabel(at: string, bucket: Bucket): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) {
    return at;
  }
  const iso = date.toISOString();
  return bucket === "day" ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

export const SERIES: Array<{ key: keyof Omit<ActivityPoint, "at">; label: string; color: string }> = [
  { key: "entered", label: "Entered", color: "#2563eb" },
  { key: "completed", label: "Completed", color: "#15803d" },
  { key: "exited", label: "Exited", color: "#c2410c" },
  { key: "failed", label: "Failed", color: "#b42318" },
  { key: "active", label: "Active", color: "#6d28d9" },
];

export interface ActivityChart {
  labels: string[];
  datasets: Array<{ key: string; label: string; color: string; data: number[] }>;
  table: TableData;
}

/** Labels, one dataset per series (missing numbers are 0) and the same as a table. */
export function activityChart(activity: Activity): ActivityChart {
  const labels = activity.series.map((point) => bucketLabel(point.at, activity.bucket));
  const datasets = SERIES.map(({ key, label, color }) => ({
    key,
    label,
    color,
    data: activity.series.map((point) => point[key] ?? 0),
  }));
  const when = activity.bucket === "day" ? "Day (UTC)" : "Hour (UTC)";
  return {
    labels,
    datasets,
    table: {
      columns: [when, ...SERIES.map((s) => s.label)],
      rows: labels.map((label, i) => [label, ...datasets.map((d) => d.data[i] ?? 0)]),
    },
  };
}
