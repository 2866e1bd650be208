import { memo } from "react";

export const SendResultsSummary = memo(function SendResultsSummary() {
  return <p className="node-summary">Sends the results so far to the service</p>;
});
