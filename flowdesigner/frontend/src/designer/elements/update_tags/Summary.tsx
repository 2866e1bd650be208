import { memo } from "react";
import { useTags } from "../../catalog";
import type { JsonObject } from "../../types";
import { readTagChanges, tagChangesSummary } from "./config";

export const UpdateTagsSummary = memo(function UpdateTagsSummary({ config }: { config: JsonObject }) {
  const tags = useTags();
  const names = new Map(tags.status === "loaded" ? tags.value.map((tag) => [tag.id, tag.name] as const) : []);
  const summary = tagChangesSummary(readTagChanges(config), names);
  return summary ? <p className="node-summary">{summary}</p> : <p className="node-summary empty">No tags chosen yet</p>;
});
