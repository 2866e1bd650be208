import { memo } from "react";
import type { JsonObject } from "../../types";
import { inboundCallSummary, readInboundCall } from "./config";

export const InboundCallSummary = memo(function InboundCallSummary({ config }: { config: JsonObject }) {
  const [where, ...saved] = inboundCallSummary(readInboundCall(config));
  return (
    <>
      <p className="node-summary">{where}</p>
      {saved.length > 0 && (
        <ul className="node-summary branch-summary">
          {saved.map((line) => (
            <li key={line} title={line}>
              {line}
            </li>
          ))}
        </ul>
      )}
    </>
  );
});
