import type { JsonObject } from "../../types";
import { readMessage } from "./config";
import { replyTimeoutSummary } from "./ReplyTimeout";

export function MessageSummary({ config }: { config: JsonObject }) {
  const { text } = readMessage(config);
  const timeout = replyTimeoutSummary(config);
  return (
    <>
      {text ? <p className="node-summary">{text}</p> : <p className="node-summary empty">No text yet</p>}
      {timeout && <p className="node-summary muted reply-timeout">{timeout}</p>}
    </>
  );
}
