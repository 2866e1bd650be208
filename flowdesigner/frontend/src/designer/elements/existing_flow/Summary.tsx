import { memo } from "react";

export const ExistingFlowSummary = memo(function ExistingFlowSummary() {
  return <p className="node-summary">People handed over by other flows</p>;
});
