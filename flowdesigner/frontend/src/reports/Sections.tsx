/** The report's simpler sections: exits, answers by button, delivery by channel, external sources. */

import type { ChartData } from "chart.js";
import { useMemo } from "react";
import { OPTIONS } from "./Chart";
import { BarsCard, ChartCard, CsvButton, DataTable, formatCount } from "./ChartCard";
import { nodeName } from "./names";
import {
  channelLabel,
  deliveryTable,
  elementExitsTable,
  exitElementBars,
  messageBars,
  sourcesTable,
  stateLabel,
} from "./sections";
import type { FlowDoc, Report } from "./types";

interface DefinitionProps {
  definition: FlowDoc;
  counts: Report["nodes"];
}

export function ExitsSection({ definition, counts }: DefinitionProps) {
  const bars = exitElementBars(definition, counts);
  const table = elementExitsTable(definition, counts);
  return (
    <section className="report-section" aria-labelledby="exits-heading">
      <h2 id="exits-heading">Exits</h2>
      {bars.length > 0 && (
        <BarsCard
          title="Completed at each Exit"
          testId="exit-elements"
          bars={bars}
          labelColumn="Exit"
          countColumn="Completed"
        />
      )}
      <section className="card report-card" aria-labelledby="element-exits-heading" data-testid="element-exits">
        <div className="report-card-head">
          <h3 id="element-exits-heading">Exits of every element</h3>
          <div className="report-card-tools">
            <CsvButton title="Exits of every element" table={table} />
          </div>
        </div>
        <DataTable table={table} caption="Exits of every element" />
      </section>
    </section>
  );
}

export function MessagesSection({ definition, counts: nodeCounts }: DefinitionProps) {
  const messages = definition.nodes.filter((node) => node.type === "message");
  if (messages.length === 0) {
    return null;
  }
  return (
    <section className="report-section" aria-labelledby="buttons-heading">
      <h2 id="buttons-heading">Answers by button</h2>
      <div className="report-grid">
        {messages.map((node) => {
          const counts = nodeCounts[node.id];
          return (
            <BarsCard
              key={node.id}
              title={nodeName(node)}
              testId={`buttons-${node.id}`}
              bars={messageBars(node, counts)}
              labelColumn="Answer"
              countColumn="Participants"
              summary={
                <p className="muted">
                  {formatCount(counts?.entered ?? 0)} received it, {formatCount(counts?.waiting ?? 0)} waiting to answer
                </p>
              }
            />
          );
        })}
      </div>
    </section>
  );
}

const STATE_COLORS: Record<string, string> = {
  queued: "#6b7280",
  sent: "#2563eb",
  delivered: "#0e7490",
  read: "#15803d",
  failed: "#b42318",
  expired: "#c2410c",
};

export function DeliverySection({ report }: { report: Report }) {
  const { channels, states, table } = deliveryTable(report.delivery);
  const key = JSON.stringify(table);
  const data = useMemo<ChartData<"bar">>(
    () => ({
      labels: channels.map(channelLabel),
      datasets: states.map((state, i) => ({
        label: stateLabel(state),
        data: channels.map((c) => report.delivery[c]?.[state] ?? 0),
        backgroundColor: STATE_COLORS[state] ?? ["#7c3aed", "#a16207", "#be185d"][i % 3],
      })),
    }),
    // Rebuilt only when the numbers change (the table holds them all).
    [key],
  );
  return (
    <ChartCard
      title="Delivery by channel and state"
      level={2}
      testId="delivery"
      type="bar"
      data={data as ChartData<"bar" | "line">}
      options={OPTIONS.stackedBars}
      table={table}
      label={`Messages by channel and delivery state: ${table.rows.map((r) => r.join(" ")).join("; ")}`}
      empty={channels.length === 0 ? "No messages sent yet." : null}
    />
  );
}

export function SourcesSection({ report }: { report: Report }) {
  const table = sourcesTable(report.sources ?? {});
  const key = JSON.stringify(table);
  const data = useMemo<ChartData<"bar">>(
    () => ({
      labels: table.rows.map((r) => String(r[0])),
      datasets: [
        { label: "Valid", data: table.rows.map((r) => Number(r[2])), backgroundColor: "#15803d" },
        { label: "Invalid", data: table.rows.map((r) => Number(r[3])), backgroundColor: "#b42318" },
      ],
    }),
    [key],
  );
  if (table.rows.length === 0) {
    return null;
  }
  return (
    <ChartCard
      title="Flow API operations and SFTP imports"
      level={2}
      testId="sources"
      type="bar"
      data={data as ChartData<"bar" | "line">}
      options={OPTIONS.stackedBars}
      table={table}
      label={`Valid and invalid rows by source: ${table.rows.map((r) => r.join(" ")).join("; ")}`}
    />
  );
}
