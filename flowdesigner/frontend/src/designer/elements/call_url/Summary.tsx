import { memo } from "react";
import type { JsonObject } from "../../types";
import { callSavesSummary, callSummary, readCallUrl } from "./config";

export const CallUrlSummary = memo(function CallUrlSummary({ config }: { config: JsonObject }) {
  const call = readCallUrl(config);
  const summary = callSummary(call);
  const saves = callSavesSummary(call);
  return (
    <>
      {summary ? <p className="node-summary call-url">{summary}</p> : <p className="node-summary empty">No URL yet</p>}
      {saves && <p className="node-summary muted">{saves}</p>}
    </>
  );
});
