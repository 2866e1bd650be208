import type { Issue } from "../types";

interface IssueListProps {
  issues: readonly Issue[];
  testId?: string;
  /** Name the node an issue concerns (for flow-level lists holding issues of removed nodes). */
  showNode?: boolean;
}

export function IssueList({ issues, testId, showNode = false }: IssueListProps) {
  return (
    <ul className="issue-list" data-testid={testId}>
      {issues.map((issue, index) => (
        <li key={index} data-code={issue.code}>
          {showNode && issue.node_id && <code>{issue.node_id}: </code>}
          {issue.message}
          {issue.field && <span className="muted"> ({issue.field})</span>}
        </li>
      ))}
    </ul>
  );
}
