import { useCallback } from "react";
import { useIssuesOf } from "../context";
import { messagesAt } from "../issues";

/** The server's messages about a field of node `nodeId`, to show beside its input. */
export function useIssuesAt(nodeId: string): (field: string, nested?: boolean) => string[] {
  const issues = useIssuesOf(nodeId);
  return useCallback((field: string, nested = false) => messagesAt(issues, field, nested), [issues]);
}

/** The messages under a field; `id` lets the input point at them with aria-describedby. */
export function FieldIssues({ id, messages }: { id?: string; messages: readonly string[] }) {
  if (messages.length === 0) {
    return null;
  }
  return (
    <span id={id} className="error-text field-issue" role="alert">
      {messages.join(" ")}
    </span>
  );
}
