import { memo } from "react";
import { useExistingFlowEntries } from "../../catalog";
import type { JsonObject } from "../../types";
import { addToFlowSummary, readAddToFlow } from "./config";

/** Names the target flow; the flows are fetched once per page for every node (catalog.ts). */
export const AddToFlowSummary = memo(function AddToFlowSummary({ config }: { config: JsonObject }) {
  const flows = useExistingFlowEntries();
  const summary = addToFlowSummary(readAddToFlow(config), flows.status === "loaded" ? flows.value : null);
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No flow chosen yet</p>;
});
