/**
 * Chart.js on a canvas, registered with only what the page draws (lines and bars on category and linear
 * scales, tooltips, legends), so the bundle carries nothing else. The chart is made once per type and
 * options and then updated in place when the numbers change (live updates do not rebuild it).
 */

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartData,
  type ChartOptions,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);
// The page's text colour and font: Chart.js's default grey (#666) is below 4.5:1 on white.
Chart.defaults.color = "#1d2330";
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", sans-serif';

export type ChartType = "bar" | "line";

const integerTicks = { precision: 0 } as const;

/** Options shared by the page's charts; module constants, so a chart is not rebuilt on every render. */
export const OPTIONS = {
  bars: {
    animation: false,
    maintainAspectRatio: false,
    plugins: { legend: { display: false } },
    scales: { y: { beginAtZero: true, ticks: integerTicks } },
  },
  horizontalBars: {
    animation: false,
    maintainAspectRatio: false,
    indexAxis: "y",
    plugins: { legend: { display: false } },
    scales: { x: { beginAtZero: true, ticks: integerTicks } },
  },
  stackedBars: {
    animation: false,
    maintainAspectRatio: false,
    plugins: { legend: { position: "bottom" } },
    scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: integerTicks } },
  },
  lines: {
    animation: false,
    maintainAspectRatio: false,
    interaction: { mode: "index", intersect: false },
    plugins: { legend: { position: "bottom" } },
    scales: { y: { beginAtZero: true, ticks: integerTicks }, x: { ticks: { maxTicksLimit: 12, autoSkip: true } } },
  },
} satisfies Record<string, ChartOptions>;

interface ChartCanvasProps {
  type: ChartType;
  data: ChartData<ChartType>;
  options: ChartOptions;
  /** What the chart shows, for screen readers (the table behind it has the numbers). */
  label: string;
  height: number;
}

export function ChartCanvas({ type, data, options, label, height }: ChartCanvasProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    if (!canvas.current) {
      return;
    }
    const created = new Chart(canvas.current, { type, data: latest.current, options });
    chart.current = created;
    return () => {
      created.destroy();
      chart.current = null;
    };
  }, [type, options]);

  useEffect(() => {
    const current = chart.current;
    if (current && current.data !== data) {
      current.data = data;
      current.update();
    }
  }, [data]);

  return (
    <div className="chart-box" style={{ height }}>
      <canvas ref={canvas} role="img" aria-label={label}>
        {label}
      </canvas>
    </div>
  );
}
