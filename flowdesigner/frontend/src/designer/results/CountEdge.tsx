import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from "@xyflow/react";
import { memo } from "react";
import { exitCount, formatCount, formatExact } from "../results";
import { useKeyed, useResultsStores } from "./context";

/**
 * A results canvas connection labelled with how many participants passed it (its exit's passes, from
 * the count store under the source element's id; a path step number when a participant's path is shown).
 */
export const CountEdge = memo(function CountEdge(props: EdgeProps) {
  const { id, source, sourceHandleId, markerEnd } = props;
  const { counts: countStore, edgeMarks } = useResultsStores();
  const counts = useKeyed(countStore, source);
  const mark = useKeyed(edgeMarks, id);
  const exit = sourceHandleId ?? "";
  const passes = exitCount(counts, exit);
  const [path, labelX, labelY] = getBezierPath(props);
  const onPath = mark.steps.length > 0;

  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={onPath ? "on-path" : undefined} />
      <EdgeLabelRenderer>
        <div
          className={`edge-count${passes === 0 ? " zero" : ""}${onPath ? " on-path" : ""}`}
          style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          data-testid={`result-edge-${source}-${exit}`}
          data-path-steps={onPath ? mark.steps.join(",") : undefined}
          title={`${formatExact(passes)} passed “${exit}”`}
        >
          {formatCount(passes)}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
