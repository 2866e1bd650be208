import { Handle, Position, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import { exitsOf } from "../elements";
import type { ElementTypeInfo } from "../types";
import type { ChangeKind } from "./diff";
import type { HistoryNode } from "./diffGraph";
import { NodeBody } from "../components/NodeBody";

/** The element types by name, for the labels of the diff canvas's nodes. */
export const HistoryTypesContext = createContext<ReadonlyMap<string, ElementTypeInfo>>(new Map());

/** The words of each change: the badge says it, so colour is never the only cue. */
export const CHANGE_LABELS: Record<ChangeKind, string> = { added: "Added", removed: "Removed", changed: "Changed" };

/** A node of the diff canvas: the element as the editor draws it (read-only), with its change's badge. */
export const HistoryNodeView = memo(function HistoryNodeView({ id, data, selected }: NodeProps<HistoryNode>) {
  const info = useContext(HistoryTypesContext).get(data.type);
  const exits = exitsOf(data);

  const classes = ["element-node", "history-node", `category-${info?.category ?? "unknown"}`];
  if (data.change) classes.push(`change-${data.change}`);
  if (selected) classes.push("selected");

  return (
    <div className={classes.join(" ")} data-testid={`history-node-${id}`} data-change={data.change ?? "none"}>
      {info?.category !== "entry" && <Handle type="target" position={Position.Left} isConnectable={false} />}
      <header className="element-node-header">
        <span>{info?.label ?? data.type}</span>
        {data.change && (
          <span
            className={`change-badge change-badge-${data.change}`}
            title={data.fields.length > 0 ? `Changed: ${data.fields.join(", ")}` : undefined}
          >
            {CHANGE_LABELS[data.change]}
          </span>
        )}
      </header>
      <NodeBody nodeId={id} type={data.type} config={data.config} exits={exits} connectable={false} />
    </div>
  );
});
