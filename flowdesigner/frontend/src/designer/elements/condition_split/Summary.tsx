import { memo } from "react";
import type { JsonObject } from "../../types";
import { conditionSplitSummary, readBranches } from "./config";

export const ConditionSplitSummary = memo(function ConditionSplitSummary({ config }: { config: JsonObject }) {
  const lines = conditionSplitSummary(readBranches(config));
  return lines.length > 0 ? (
    <ul className="node-summary branch-summary">
      {lines.map((line, index) => (
        <li key={index}>{line}</li>
      ))}
    </ul>
  ) : (
    <p className="node-summary empty">No branches yet</p>
  );
});
