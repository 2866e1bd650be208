import { Handle, Position, useUpdateNodeInternals, type NodeProps } from "@xyflow/react";
import { memo, useEffect, useRef } from "react";
import { useDesigner, useIssuesOf } from "../context";
import { exitsOf } from "../elements";
import { elementIcon } from "../elements/icons";
import type { ElementNode } from "../types";
import { NodeBody } from "./NodeBody";

/** The canvas node of every element type: header, the type's own summary, one handle per exit. Memoised:
 * React Flow hands unchanged nodes the same props, so a change elsewhere on the canvas skips them. */
export const ElementNodeView = memo(function ElementNodeView({ id, data, selected }: NodeProps<ElementNode>) {
  const { elementTypes } = useDesigner();
  const info = elementTypes.get(data.type);
  const issues = useIssuesOf(id);
  const exits = exitsOf(data);

  // Handles are measured when a node resizes; a renamed exit keeps the size, so ask for a re-measure.
  // Not on mount: React Flow measures a new node itself, and a thousand mount-time re-measures made
  // opening a large flow quadratic.
  const updateNodeInternals = useUpdateNodeInternals();
  const exitNames = exits.map((exit) => exit.name).join("\n");
  const measuredExits = useRef(exitNames);
  useEffect(() => {
    if (measuredExits.current !== exitNames) {
      measuredExits.current = exitNames;
      updateNodeInternals(id);
    }
  }, [id, exitNames, updateNodeInternals]);

  const classes = ["element-node", `category-${info?.category ?? "unknown"}`];
  if (selected) classes.push("selected");
  if (issues.length > 0) classes.push("has-issues");

  return (
    <div className={classes.join(" ")} data-testid={`node-${id}`} data-type={data.type}>
      {info?.category !== "entry" && <Handle type="target" position={Position.Left} data-testid={`target-${id}`} />}
      <header className="element-node-header">
        <span className="element-icon" aria-hidden="true">
          {elementIcon(data.type)}
        </span>
        <span className="element-node-title">{info?.label ?? data.type}</span>
        {issues.length > 0 && (
          <span
            className="issue-badge"
            data-testid={`issues-${id}`}
            title={issues.map((issue) => issue.message).join("\n")}
            aria-label={`${issues.length} issue${issues.length === 1 ? "" : "s"}`}
          >
            {issues.length}
          </span>
        )}
      </header>
      <NodeBody nodeId={id} type={data.type} config={data.config} exits={exits} connectable={true} />
    </div>
  );
});
