import { memo } from "react";
import type { JsonObject } from "../../types";
import { readExitName, readWaitForFollowUp } from "./config";

export const ExitSummary = memo(function ExitSummary({ config }: { config: JsonObject }) {
  const name = readExitName(config);
  return (
    <>
      {name ? <p className="node-summary">{name}</p> : <p className="node-summary empty">Unnamed exit</p>}
      {readWaitForFollowUp(config) && <p className="node-summary muted">Waits for a follow-up</p>}
    </>
  );
});
