import { memo } from "react";
import type { JsonObject } from "../../types";
import { inboundMessageSummary, readInboundMessage } from "./config";

export const InboundMessageSummary = memo(function InboundMessageSummary({ config }: { config: JsonObject }) {
  const message = readInboundMessage(config);
  const [where, ...lines] = inboundMessageSummary(message);
  return (
    <>
      <p className="node-summary channel-line">
        <span className="channel-badge">{where}</span>
      </p>
      {message.conditions.length > 0 ? (
        <ul className="node-summary branch-summary">
          {lines.map((line, index) => (
            <li key={index} title={line}>
              {line}
            </li>
          ))}
        </ul>
      ) : (
        <p className="node-summary empty">No condition yet</p>
      )}
    </>
  );
});
