import { memo } from "react";
import type { JsonObject } from "../../types";
import { emailResultsSummary, readEmailResults } from "./config";

export const EmailResultsSummary = memo(function EmailResultsSummary({ config }: { config: JsonObject }) {
  const summary = emailResultsSummary(readEmailResults(config));
  return summary ? (
    <p className="node-summary">To {summary}</p>
  ) : (
    <p className="node-summary empty">No recipients yet</p>
  );
});
