import { memo } from "react";
import type { JsonObject } from "../../types";
import { audienceSummary, readAudience, readAudienceUpdate } from "./config";

export const AudienceSummary = memo(function AudienceSummary({ config }: { config: JsonObject }) {
  const summary = audienceSummary(readAudience(config));
  return (
    <>
      {summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No one chosen yet</p>}
      {readAudienceUpdate(config) === "realtime" && <p className="node-summary muted">Updated in real time</p>}
    </>
  );
});
