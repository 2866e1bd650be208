import { memo } from "react";
import type { JsonObject } from "../../types";
import { randomSplitSummary, readRandomBranches, totalPercent } from "./config";

export const RandomSplitSummary = memo(function RandomSplitSummary({ config }: { config: JsonObject }) {
  const branches = readRandomBranches(config);
  const total = totalPercent(branches);
  return (
    <>
      {branches.length > 0 ? (
        <p className="node-summary">{randomSplitSummary(branches)}</p>
      ) : (
        <p className="node-summary empty">No branches yet</p>
      )}
      {branches.length > 0 && total !== 100 && <p className="node-summary error-text">Shares add up to {total} %</p>}
    </>
  );
});
