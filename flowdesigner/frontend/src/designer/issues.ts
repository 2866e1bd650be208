import type { Issue } from "./types";

export interface GroupedIssues {
  byNode: ReadonlyMap<string, Issue[]>;
  /** Issues about the whole flow, and those about nodes no longer on the canvas. */
  flow: Issue[];
}

export function groupIssues(issues: readonly Issue[], nodeIds: ReadonlySet<string>): GroupedIssues {
  const byNode = new Map<string, Issue[]>();
  const flow: Issue[] = [];
  for (const issue of issues) {
    if (issue.node_id !== null && nodeIds.has(issue.node_id)) {
      byNode.set(issue.node_id, [...(byNode.get(issue.node_id) ?? []), issue]);
    } else {
      flow.push(issue);
    }
  }
  return { byNode, flow };
}
