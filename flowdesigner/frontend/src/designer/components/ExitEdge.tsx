import { BaseEdge, EdgeLabelRenderer, getSmoothStepPath, useStore, type EdgeProps, type ReactFlowState } from "@xyflow/react";
import { memo, useCallback } from "react";
import { exitLabel } from "../exitLabel";
import type { ElementData } from "../types";

/**
 * A designer connection: a dark stepped line with the exit it leaves from written on it (the button's
 * caption, the branch's name). The label comes from the source node's data through a store selector
 * that answers a string, so an edge re-renders only when its own label or geometry changes, never
 * because some other node was edited.
 */
export const ExitEdge = memo(function ExitEdge(props: EdgeProps) {
  const { id, source, sourceHandleId, markerEnd, selected } = props;
  const exit = sourceHandleId ?? "";
  const label = useStore(
    useCallback(
      (state: ReactFlowState) => exitLabel(state.nodeLookup.get(source)?.data as ElementData | undefined, exit),
      [source, exit],
    ),
  );
  const [path, labelX, labelY] = getSmoothStepPath({ ...props, borderRadius: 8 });

  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={`exit-edge${selected ? " selected" : ""}`} />
      {label && (
        <EdgeLabelRenderer>
          <div
            className={`exit-edge-label${selected ? " selected" : ""}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            data-testid={`edge-label-${source}-${exit}`}
            title={label}
          >
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});
