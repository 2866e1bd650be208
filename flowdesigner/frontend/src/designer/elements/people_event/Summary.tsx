import { memo } from "react";
import type { JsonObject } from "../../types";
import { peopleEventSummary, readPeopleEvent } from "./config";

export const PeopleEventSummary = memo(function PeopleEventSummary({ config }: { config: JsonObject }) {
  const lines = peopleEventSummary(readPeopleEvent(config));
  return lines.length > 0 ? (
    <ul className="node-summary branch-summary">
      {lines.map((line, index) => (
        <li key={index} title={line}>
          {line}
        </li>
      ))}
    </ul>
  ) : (
    <p className="node-summary empty">No event chosen yet</p>
  );
});
