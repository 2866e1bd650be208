/** A chart with its table behind it: "Show table" swaps the chart for the numbers, "Download CSV" saves them. */

import type { ChartData, ChartOptions } from "chart.js";
import { type ReactNode, useId, useMemo, useState } from "react";
import { ChartCanvas, type ChartType, OPTIONS } from "./Chart";
import { downloadCsv } from "./csv";
import type { Bar } from "./histogram";
import { barsTable } from "./sections";
import type { TableData } from "./types";

export const BAR_COLOR = "#2563eb";

const numberFormat = new Intl.NumberFormat("en-US");
export const formatCount = (n: number): string => numberFormat.format(n);

export function DataTable({ table, caption }: { table: TableData; caption: string }) {
  return (
    <div className="table-scroll">
      <table className="table report-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.length === 0 ? (
            <tr>
              <td colSpan={table.columns.length}>Nothing counted yet.</td>
            </tr>
          ) : (
            table.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) =>
                  j === 0 ? (
                    <th key={j} scope="row">
                      {cell}
                    </th>
                  ) : (
                    <td key={j} className={typeof cell === "number" ? "num" : undefined}>
                      {typeof cell === "number" ? formatCount(cell) : cell}
                    </td>
                  ),
                )}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

export function CsvButton({ title, table }: { title: string; table: TableData }) {
  return (
    <button type="button" className="secondary" onClick={() => downloadCsv(title, table)}>
      Download CSV
    </button>
  );
}

interface ChartCardProps {
  title: string;
  /** Heading level: 2 for a section of its own, 3 inside one. */
  level?: 2 | 3;
  testId: string;
  type: ChartType;
  data: ChartData<ChartType>;
  options: ChartOptions;
  table: TableData;
  /** For screen readers: what the chart shows. */
  label: string;
  height?: number;
  /** Shown above the chart (a summary, or controls such as the range picker). */
  children?: ReactNode;
  /** Instead of an empty chart: "No answers yet." */
  empty?: string | null;
}

export function ChartCard({
  title,
  level = 3,
  testId,
  type,
  data,
  options,
  table,
  label,
  height = 260,
  children,
  empty = null,
}: ChartCardProps) {
  const [showTable, setShowTable] = useState(false);
  const headingId = useId();
  const Heading = level === 2 ? "h2" : "h3";
  return (
    <section className="card report-card" aria-labelledby={headingId} data-testid={testId}>
      <div className="report-card-head">
        <Heading id={headingId}>{title}</Heading>
        <div className="report-card-tools">
          <button
            type="button"
            className="secondary"
            aria-pressed={showTable}
            onClick={() => setShowTable((shown) => !shown)}
          >
            {showTable ? "Show chart" : "Show table"}
          </button>
          <CsvButton title={title} table={table} />
        </div>
      </div>
      {children}
      {showTable ? (
        <DataTable table={table} caption={title} />
      ) : empty ? (
        <p className="muted">{empty}</p>
      ) : (
        <ChartCanvas type={type} data={data} options={options} label={label} height={height} />
      )}
    </section>
  );
}

/** Bars as chart data (one dataset). */
export function barData(bars: Bar[], label: string, color = BAR_COLOR): ChartData<"bar"> {
  return {
    labels: bars.map((b) => b.label),
    datasets: [{ label, data: bars.map((b) => b.count), backgroundColor: color }],
  };
}

/** A horizontal bar chart's height: room for every bar. */
export const barsHeight = (count: number): number => Math.max(120, 48 + count * 30);

/** A card of bars, horizontal (labels are words) or vertical (a histogram). */
export function BarsCard({
  title,
  testId,
  bars,
  labelColumn,
  countColumn = "Count",
  horizontal = true,
  summary,
  empty,
}: {
  title: string;
  testId: string;
  bars: Bar[];
  labelColumn: string;
  countColumn?: string;
  horizontal?: boolean;
  summary?: ReactNode;
  empty?: string;
}) {
  const none = bars.every((b) => b.count === 0);
  const barsKey = JSON.stringify(bars);
  // A new data object only when the numbers change: the chart then updates in place.
  const data = useMemo(() => barData(JSON.parse(barsKey) as Bar[], countColumn), [barsKey, countColumn]);
  return (
    <ChartCard
      title={title}
      testId={testId}
      type="bar"
      data={data as ChartData<ChartType>}
      options={horizontal ? OPTIONS.horizontalBars : OPTIONS.bars}
      table={barsTable(bars, labelColumn, countColumn)}
      label={`${title}: ${bars.map((b) => `${b.label} ${b.count}`).join(", ")}`}
      height={horizontal ? barsHeight(bars.length) : 260}
      empty={none && empty ? empty : null}
    >
      {summary}
    </ChartCard>
  );
}
