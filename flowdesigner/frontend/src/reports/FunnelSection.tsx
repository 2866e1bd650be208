/** A funnel along a path the user builds: a start element, then one connected next element at a time. */

import type { ChartData } from "chart.js";
import { useId, useMemo, useState } from "react";
import { OPTIONS } from "./Chart";
import { BAR_COLOR, ChartCard } from "./ChartCard";
import { formatPercent, funnel, nextSteps, validPath } from "./funnel";
import { nameLookup, typeLabel } from "./names";
import { exitLabel } from "./sections";
import type { FlowDoc, Report } from "./types";

export function FunnelSection({ definition, counts }: { definition: FlowDoc; counts: Report["nodes"] }) {
  const nodes = useMemo(() => new Map(definition.nodes.map((n) => [n.id, n])), [definition]);
  const name = useMemo(() => nameLookup(definition), [definition]);
  const [chosen, setChosen] = useState<string[]>(() => (definition.nodes[0] ? [definition.nodes[0].id] : []));
  // Another version may lack part of the chosen path: keep what still exists.
  const path = validPath(definition, chosen);
  const steps = funnel(definition, counts, path);
  const last = path.at(-1);
  const options = last === undefined ? [] : nextSteps(definition, last);
  const startId = useId();
  const nextId = useId();

  const stepsKey = JSON.stringify(steps);
  const data = useMemo<ChartData<"bar">>(
    () => ({
      labels: steps.map((s, i) => `${i + 1}. ${name(s.nodeId)}`),
      datasets: [{ label: "Participants", data: steps.map((s) => s.count), backgroundColor: BAR_COLOR }],
    }),
    // A new chart data object only when the numbers or names changed (the chart then updates in place).
    [stepsKey, name],
  );
  const table = {
    columns: ["Step", "Element", "Reached by", "Participants", "% of the first"],
    rows: steps.map((s, i) => [
      String(i + 1),
      name(s.nodeId),
      i === 0 ? "Entered" : s.via.map((exit) => exitLabel(nodes.get(path[i - 1] ?? ""), exit)).join(", "),
      s.count,
      formatPercent(s.percent),
    ]),
  };

  return (
    <ChartCard
      title="Funnel along a path"
      level={2}
      testId="funnel"
      type="bar"
      data={data as ChartData<"bar" | "line">}
      options={OPTIONS.bars}
      table={table}
      label={`Funnel: ${steps.map((s) => `${name(s.nodeId)} ${s.count} (${formatPercent(s.percent)})`).join(", ")}`}
    >
      <div className="funnel-controls">
        <label htmlFor={startId}>Start at</label>
        <select
          id={startId}
          data-testid="funnel-start"
          value={path[0] ?? ""}
          onChange={(event) => setChosen(event.target.value ? [event.target.value] : [])}
        >
          {path.length === 0 && <option value="">Choose an element</option>}
          {definition.nodes.map((node) => (
            <option key={node.id} value={node.id}>
              {name(node.id)} ({typeLabel(node.type)})
            </option>
          ))}
        </select>
        {options.length > 0 && (
          <>
            <label htmlFor={nextId}>Then</label>
            <select
              id={nextId}
              data-testid="funnel-next"
              value=""
              onChange={(event) => event.target.value && setChosen([...path, event.target.value])}
            >
              <option value="">Add the next step…</option>
              {options.map((step) => (
                <option key={step.target} value={step.target}>
                  {name(step.target)} (via {step.exits.map((e) => exitLabel(nodes.get(last ?? ""), e)).join(", ")})
                </option>
              ))}
            </select>
          </>
        )}
        {path.length > 1 && (
          <button type="button" className="secondary" onClick={() => setChosen(path.slice(0, -1))}>
            Remove the last step
          </button>
        )}
      </div>
      <ol className="funnel-steps" data-testid="funnel-steps">
        {steps.map((s) => (
          <li key={s.nodeId}>
            {name(s.nodeId)}: <strong>{s.count}</strong> ({formatPercent(s.percent)})
          </li>
        ))}
      </ol>
    </ChartCard>
  );
}
