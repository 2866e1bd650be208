import { memo } from "react";

export const FlowApiSummary = memo(function FlowApiSummary() {
  return <p className="node-summary">People added through the API</p>;
});
