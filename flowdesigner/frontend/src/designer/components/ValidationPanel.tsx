import type { ElementNode, ElementTypeInfo, Issue } from "../types";
import type { Validation } from "../useValidation";

interface ValidationPanelProps {
  validation: Validation;
  /** The issues as they stand (they follow later saves, so fixed ones drop off the list). */
  issues: readonly Issue[];
  nodes: readonly ElementNode[];
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  /** Selects a node and brings it to the middle of the canvas. */
  onFocusNode(nodeId: string): void;
}

/** What Validate found: the Exits it added (with an undo) and the issues left, each leading to its element. */
export function ValidationPanel({ validation, issues, nodes, elementTypes, onFocusNode }: ValidationPanelProps) {
  const { running, error, addedExits } = validation;
  const typeOf = new Map(nodes.map((node) => [node.id, node.data.type]));
  return (
    <section className="validation-panel" data-testid="validation" aria-label="Validation" aria-live="polite">
      {addedExits > 0 && (
        <p className="validation-notice" data-testid="added-exits">
          Added {addedExits} {addedExits === 1 ? "exit" : "exits"} after the unconnected exits.{" "}
          <button type="button" data-testid="undo-exits" onClick={validation.undoExits}>
            Undo
          </button>
        </p>
      )}
      {running ? (
        <p className="muted">Validating…</p>
      ) : error ? (
        <p className="error-text" role="alert">
          The flow could not be validated: {error}
        </p>
      ) : issues.length === 0 ? (
        <p className="validation-ok" data-testid="validation-ok">
          No issues: the flow can be published.
        </p>
      ) : (
        <>
          <p>
            {issues.length} {issues.length === 1 ? "issue" : "issues"} to fix before publishing:
          </p>
          <ol className="validation-issues" data-testid="validation-issues">
            {issues.map((issue, index) => {
              const type = issue.node_id ? typeOf.get(issue.node_id) : undefined;
              const where = type ? `${elementTypes.get(type)?.label ?? type} (${issue.node_id})` : null;
              return (
                <li key={index} data-code={issue.code}>
                  {where && issue.node_id ? (
                    <button
                      type="button"
                      className="link-button"
                      data-testid={`validation-issue-${index}`}
                      onClick={() => onFocusNode(issue.node_id!)}
                    >
                      <strong>{where}</strong>: {issue.message}
                    </button>
                  ) : (
                    <span data-testid={`validation-issue-${index}`}>{issue.message}</span>
                  )}
                </li>
              );
            })}
          </ol>
        </>
      )}
      <button type="button" className="close" data-testid="close-validation" aria-label="Close validation" onClick={validation.close}>
        ×
      </button>
    </section>
  );
}
