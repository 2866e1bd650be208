import { memo } from "react";
import type { JsonObject } from "../../types";
import { dateTimeSummary, readDateTime } from "./config";

export const DateTimeSummary = memo(function DateTimeSummary({ config }: { config: JsonObject }) {
  const summary = dateTimeSummary(readDateTime(config));
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No date chosen yet</p>;
});
