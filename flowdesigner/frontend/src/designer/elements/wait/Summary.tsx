import { memo } from "react";
import type { JsonObject } from "../../types";
import { readWait, savedSummary, waitSummary } from "./config";

export const WaitSummary = memo(function WaitSummary({ config }: { config: JsonObject }) {
  const wait = readWait(config);
  const summary = waitSummary(wait);
  const saved = wait.mode === "event" ? savedSummary(wait.save) : "";
  return (
    <>
      {summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">Not set up yet</p>}
      {saved && <p className="node-summary muted">{saved}</p>}
    </>
  );
});
