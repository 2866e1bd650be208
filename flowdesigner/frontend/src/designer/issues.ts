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

/**
 * The messages of the issues about `field`, a path relative to the node ("config.path"); with `nested`
 * also those about anything inside it ("config.contact" takes "config.contact.phone" and
 * "config.conditions" takes "config.conditions[0].event").
 */
export function messagesAt(issues: readonly Issue[], field: string, nested = false): string[] {
  return issues.flatMap((issue) => {
    const at = issue.field ?? "";
    const inside = nested && (at.startsWith(`${field}.`) || at.startsWith(`${field}[`));
    return at === field || inside ? [issue.message] : [];
  });
}
