import { memo } from "react";
import type { JsonObject } from "../../types";
import { replyTimeoutSummary } from "../message/ReplyTimeout";
import { evaluateReplySummary, readEvaluateReply, REPLY_CHANNEL_LABELS } from "./config";

export const EvaluateReplySummary = memo(function EvaluateReplySummary({ config }: { config: JsonObject }) {
  const reply = readEvaluateReply(config);
  const lines = evaluateReplySummary(reply.branches);
  const timeout = replyTimeoutSummary(config);
  return (
    <>
      {reply.channel !== "any" && (
        <p className="node-summary channel-line">
          <span className="channel-badge">{REPLY_CHANNEL_LABELS[reply.channel]}</span>
        </p>
      )}
      {lines.length > 0 ? (
        <ul className="node-summary branch-summary">
          {lines.map((line, index) => (
            <li key={index} title={line}>
              {line}
            </li>
          ))}
        </ul>
      ) : (
        <p className="node-summary empty">No branches yet</p>
      )}
      {reply.variable && <p className="node-summary muted">Saves the reply in {reply.variable}</p>}
      {timeout && <p className="node-summary muted reply-timeout">{timeout}</p>}
    </>
  );
});
