import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { exitsOf } from "../elements";
import { formatCount, formatExact } from "../results";
import type { ElementNode } from "../types";
import { useKeyed, useResultsStores } from "./context";
import { NodeBody } from "../components/NodeBody";

/**
 * A results canvas node: the element as the editor draws it (read-only) with its counts. Memoised, and
 * its numbers come from the count store under its own id, so a count update re-renders only the nodes
 * whose numbers changed.
 */
export const ResultsNodeView = memo(function ResultsNodeView({ id, data, selected }: NodeProps<ElementNode>) {
  const { counts: countStore, nodeMarks, elementTypes } = useResultsStores();
  const counts = useKeyed(countStore, id);
  const mark = useKeyed(nodeMarks, id);
  const info = elementTypes.get(data.type);
  const exits = exitsOf(data);
  const isExit = info?.category === "exit";

  const classes = ["element-node", "results-node", `category-${info?.category ?? "unknown"}`];
  if (selected) classes.push("selected");
  if (mark.steps.length > 0) classes.push("on-path");
  if (mark.last) classes.push("path-end");

  return (
    <div className={classes.join(" ")} data-testid={`result-node-${id}`} data-type={data.type}>
      {info?.category !== "entry" && <Handle type="target" position={Position.Left} isConnectable={false} />}
      <header className="element-node-header">
        <span>{info?.label ?? data.type}</span>
        {mark.steps.length > 0 && (
          <span className="path-steps" data-testid={`path-steps-${id}`} title="Steps of the participant's path">
            {mark.steps.join(", ")}
          </span>
        )}
      </header>
      <div className="results-counts" data-testid={`counts-${id}`}>
        <Count id={id} name="entered" label="entered" value={counts.entered} />
        {!isExit && <Count id={id} name="waiting" label="waiting" value={counts.waiting} />}
        {(isExit || counts.completed > 0) && (
          <Count id={id} name="completed" label="completed" value={counts.completed} />
        )}
        {counts.timedOut > 0 && <Count id={id} name="timed-out" label="timed out" value={counts.timedOut} />}
        {counts.failed > 0 && <Count id={id} name="failed" label="failed" value={counts.failed} tone="danger" />}
      </div>
      <NodeBody nodeId={id} type={data.type} config={data.config} exits={exits} connectable={false} />
    </div>
  );
});

interface CountProps {
  id: string;
  name: string;
  label: string;
  value: number;
  tone?: "danger";
}

function Count({ id, name, label, value, tone }: CountProps) {
  return (
    <span className={`count count-${name}${tone ? ` ${tone}` : ""}`} title={`${formatExact(value)} ${label}`}>
      <b data-testid={`result-${name}-${id}`}>{formatCount(value)}</b> {label}
    </span>
  );
}
