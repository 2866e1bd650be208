import { memo } from "react";
import type { JsonObject } from "../../types";
import { profileChangeSummary, readRules } from "./config";

export const ProfileChangeSummary = memo(function ProfileChangeSummary({ config }: { config: JsonObject }) {
  const lines = profileChangeSummary(readRules(config));
  return lines.length > 0 ? (
    <ul className="node-summary branch-summary">
      {lines.map((line, index) => (
        <li key={index} title={line}>
          {line}
        </li>
      ))}
    </ul>
  ) : (
    <p className="node-summary empty">No condition yet</p>
  );
});
