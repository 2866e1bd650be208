import { memo } from "react";
import type { JsonObject } from "../../types";
import { readUpdates, updatesSummary } from "./config";

export const UpdatePersonSummary = memo(function UpdatePersonSummary({ config }: { config: JsonObject }) {
  const summary = updatesSummary(readUpdates(config));
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No attribute chosen yet</p>;
});
