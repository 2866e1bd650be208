import type { JsonObject } from "../../types";
import { readUpdates, updatesSummary } from "./config";

export function UpdatePersonSummary({ config }: { config: JsonObject }) {
  const summary = updatesSummary(readUpdates(config));
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No attribute chosen yet</p>;
}
