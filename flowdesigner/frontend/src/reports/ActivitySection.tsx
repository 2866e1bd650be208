/** Entries, exits and active participants over time, for a range the user picks. */

import type { ChartData } from "chart.js";
import { useEffect, useMemo, useState } from "react";
import { describeError, isAbort } from "../shared/http";
import { activityChart, PRESETS, type RangeChoice, type RangePreset, rangeQuery } from "./activity";
import type { ReportsApi } from "./api";
import { OPTIONS } from "./Chart";
import { ChartCard } from "./ChartCard";
import type { Activity } from "./types";

type Mode = RangePreset | "custom";

export function ActivitySection({ api, version, tick }: { api: ReportsApi; version: number | null; tick: number }) {
  const [mode, setMode] = useState<Mode>("7d");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [activity, setActivity] = useState<Activity | null>(null);
  const [error, setError] = useState<string | null>(null);

  const choice: RangeChoice = mode === "custom" ? { kind: "custom", from, to } : { kind: "preset", preset: mode };
  const choiceKey = JSON.stringify(choice);

  useEffect(() => {
    const range = rangeQuery(JSON.parse(choiceKey) as RangeChoice, new Date());
    if (!range) {
      setError(null);
      return;
    }
    const controller = new AbortController();
    api.activity(version, range, controller.signal).then(
      (fresh) => {
        setActivity(fresh);
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) {
          setError(describeError(failure));
        }
      },
    );
    return () => controller.abort();
  }, [api, version, choiceKey, tick]);

  const chart = useMemo(() => (activity ? activityChart(activity) : null), [activity]);
  const data = useMemo<ChartData<"line">>(
    () => ({
      labels: chart?.labels ?? [],
      datasets: (chart?.datasets ?? []).map((d) => ({
        label: d.label,
        data: d.data,
        borderColor: d.color,
        backgroundColor: d.color,
        pointRadius: 0,
        borderWidth: 2,
        tension: 0.2,
      })),
    }),
    [chart],
  );

  return (
    <ChartCard
      title="Entries, exits and active over time"
      level={2}
      testId="activity"
      type="line"
      data={data as ChartData<"line" | "bar">}
      options={OPTIONS.lines}
      table={(!error && chart?.table) || { columns: ["Time (UTC)"], rows: [] }}
      label={`Participants entering, completing, exiting, failing and active per ${activity?.bucket ?? "hour"}`}
      height={300}
      empty={error ? "The chart shows once the range is valid." : null}
    >
      <fieldset className="range-picker">
        <legend>Range</legend>
        {PRESETS.map(({ preset, label }) => (
          <label key={preset} className="radio">
            <input type="radio" name="activity-range" checked={mode === preset} onChange={() => setMode(preset)} />{" "}
            {label}
          </label>
        ))}
        <label className="radio">
          <input type="radio" name="activity-range" checked={mode === "custom"} onChange={() => setMode("custom")} />{" "}
          Custom
        </label>
        {mode === "custom" && (
          <span className="range-custom">
            <label>
              From <input type="date" data-testid="range-from" value={from} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To <input type="date" data-testid="range-to" value={to} onChange={(e) => setTo(e.target.value)} />
            </label>
            {rangeQuery(choice, new Date()) === null && <span className="muted">Pick both days (UTC).</span>}
          </span>
        )}
      </fieldset>
      {error && (
        <p className="error-text" role="alert" data-testid="activity-error">
          {error}
        </p>
      )}
    </ChartCard>
  );
}
