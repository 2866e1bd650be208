import { Handle, Position, type NodeProps } from "@xyflow/react";
import { createContext, memo, useContext } from "react";
import { elementModule, exitsOf } from "../elements";
import type { ElementTypeInfo } from "../types";
import type { ChangeKind } from "./diff";
import type { HistoryNode } from "./diffGraph";

/** The element types by name, for the labels of the diff canvas's nodes. */
export const HistoryTypesContext = createContext<ReadonlyMap<string, ElementTypeInfo>>(new Map());

/** The words of each change: the badge says it, so colour is never the only cue. */
export const CHANGE_LABELS: Record<ChangeKind, string> = { added: "Added", removed: "Removed", changed: "Changed" };

/** A node of the diff canvas: the element as the editor draws it (read-only), with its change's badge. */
export const HistoryNodeView = memo(function HistoryNodeView({ id, data, selected }: NodeProps<HistoryNode>) {
  const info = useContext(HistoryTypesContext).get(data.type);
  const element = elementModule(data.type);
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
      {element ? (
        <element.Summary config={data.config} />
      ) : (
        <p className="node-summary empty">Not supported by this designer</p>
      )}
      {exits.length > 0 && (
        <ul className="exit-list">
          {exits.map((exit) => (
            <li key={exit.name}>
              {exit.label}
              <Handle type="source" position={Position.Right} id={exit.name} isConnectable={false} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
