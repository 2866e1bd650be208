import { useEffect, useRef, useState } from "react";
import { describeError, isAbort } from "../../shared/http";
import { exitsOf } from "../elements";
import { exitCount, formatExact, type VersionChoice } from "../results";
import type { FlowDocNode } from "../types";
import { participantName, type ParticipantRow, type ResultsApi } from "./api";
import { useKeyed, useResultsStores } from "./context";

interface NodePanelProps {
  api: ResultsApi;
  flowId: number;
  version: VersionChoice;
  node: FlowDocNode;
}

/** The side panel of a clicked element: its counts, passes per exit, and who is waiting there now. */
export function NodePanel({ api, flowId, version, node }: NodePanelProps) {
  const { counts: countStore, elementTypes } = useResultsStores();
  const counts = useKeyed(countStore, node.id);
  const info = elementTypes.get(node.type);
  const exits = exitsOf({ type: node.type, config: node.config, storedExits: Object.keys(node.exits) });
  const waiting = useWaitingList(api, flowId, version, node.id, counts);

  return (
    <>
      <header className="side-panel-header">
        <h2>{info?.label ?? node.type}</h2>
        <code>{node.id}</code>
      </header>
      <dl className="results-numbers" data-testid="panel-counts">
        <dt>Entered</dt>
        <dd data-testid="panel-entered">{formatExact(counts.entered)}</dd>
        <dt>Waiting now</dt>
        <dd data-testid="panel-waiting">{formatExact(counts.waiting)}</dd>
        {counts.timedOut > 0 && (
          <>
            <dt>Timed out</dt>
            <dd>{formatExact(counts.timedOut)}</dd>
          </>
        )}
        {counts.failed > 0 && (
          <>
            <dt>Failed</dt>
            <dd>{formatExact(counts.failed)}</dd>
          </>
        )}
        {(info?.category === "exit" || counts.completed > 0) && (
          <>
            <dt>Completed here</dt>
            <dd>{formatExact(counts.completed)}</dd>
          </>
        )}
      </dl>
      {exits.length > 0 && (
        <section>
          <h3>Exits</h3>
          <table className="results-table" data-testid="panel-exits">
            <tbody>
              {exits.map((exit) => (
                <tr key={exit.name} data-testid={`panel-exit-${exit.name}`}>
                  <th scope="row">{exit.label}</th>
                  <td>{formatExact(exitCount(counts, exit.name))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section>
        <h3>Waiting here now</h3>
        {waiting.error && <p className="error-text">{waiting.error}</p>}
        {waiting.rows.length === 0 && !waiting.loading && !waiting.error && (
          <p className="muted" data-testid="waiting-empty">
            Nobody is waiting here.
          </p>
        )}
        <ul className="results-list" data-testid="waiting-list">
          {waiting.rows.map((row) => (
            <li key={row.id}>
              <a href={`/flows/${flowId}/participants/${row.id}/`} data-testid={`waiting-participant-${row.id}`}>
                {participantName(row.person, row.id)}
              </a>
              <span className="muted">
                {" "}
                v{row.version}
                {row.launch_tag ? ` · ${row.launch_tag}` : ""}
              </span>
            </li>
          ))}
        </ul>
        {waiting.loading && <p className="muted">Loading…</p>}
        {waiting.next && !waiting.loading && (
          <button type="button" data-testid="waiting-more" onClick={waiting.loadMore}>
            Load more
          </button>
        )}
      </section>
    </>
  );
}

interface WaitingState {
  rows: ParticipantRow[];
  next: string | null;
  loading: boolean;
  error: string | null;
}

/**
 * The participants waiting at an element, page by page. The first page is fetched again when the
 * element's counts change (someone arrived or left), unless more pages were loaded: those stay as they
 * are rather than jump under the reader.
 */
function useWaitingList(api: ResultsApi, flowId: number, version: VersionChoice, nodeId: string, counts: unknown) {
  const [state, setState] = useState<WaitingState>({ rows: [], next: null, loading: true, error: null });
  const shown = useRef<{ key: string; pages: number }>({ key: "", pages: 0 });

  useEffect(() => {
    const key = `${version}:${nodeId}`;
    if (shown.current.key === key && shown.current.pages > 1) {
      return;
    }
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    api.waiting(flowId, version, nodeId, null, controller.signal).then(
      (page) => {
        shown.current = { key, pages: 1 };
        setState({ rows: page.results, next: page.next, loading: false, error: null });
      },
      (error: unknown) => {
        if (!isAbort(error)) {
          setState((previous) => ({ ...previous, loading: false, error: describeError(error) }));
        }
      },
    );
    return () => controller.abort();
  }, [api, flowId, version, nodeId, counts]);

  function loadMore() {
    const cursor = state.next;
    if (!cursor) {
      return;
    }
    setState((previous) => ({ ...previous, loading: true }));
    api.waiting(flowId, version, nodeId, cursor).then(
      (page) => {
        shown.current = { ...shown.current, pages: shown.current.pages + 1 };
        setState((previous) => {
          const seen = new Set(previous.rows.map((row) => row.id));
          return {
            rows: [...previous.rows, ...page.results.filter((row) => !seen.has(row.id))],
            next: page.next,
            loading: false,
            error: null,
          };
        });
      },
      (error: unknown) => setState((previous) => ({ ...previous, loading: false, error: describeError(error) })),
    );
  }

  return { ...state, loadMore };
}
