import type { JsonObject } from "../../types";
import { audienceSummary, readAudience } from "./config";

export function AudienceSummary({ config }: { config: JsonObject }) {
  const summary = audienceSummary(readAudience(config));
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No one chosen yet</p>;
}
