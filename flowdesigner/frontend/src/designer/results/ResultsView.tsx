import "./results.css";
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import type { LiveState } from "../../shared/flowSocket";
import { ApiError, describeError, isAbort } from "../../shared/http";
import type { Totals } from "../../shared/report";
import { formatExact, pathHighlight, type VersionChoice } from "../results";
import type { ElementTypeInfo, FlowDocNode } from "../types";
import type { ResultsApi } from "./api";
import { createResultsStores, ResultsContext, type PathMark } from "./context";
import { NodePanel } from "./NodePanel";
import { ParticipantPanel, type ParticipantState } from "./ParticipantPanel";
import { ResultsCanvas } from "./ResultsCanvas";
import { useLiveReport } from "./useLiveReport";

interface ResultsViewProps {
  api: ResultsApi;
  flowId: number;
  flowName: string;
  flowsUrl: string;
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  /** The version to show first; null: the newest, unknown yet. */
  initialVersion: VersionChoice | null;
  /** A participant whose path to show (?participant=). */
  participantId: number | null;
  modeToggle: ReactNode;
  /** The shown version or participant changed (for the page URL). */
  onLocationChange(version: VersionChoice | null, participant: number | null): void;
}

/**
 * The designer's results mode: a published version (or all versions summed) drawn read-only with live
 * counts on every element and connection; a click on an element lists who waits there; a participant's
 * path can be drawn over it. Nothing here edits or saves the draft.
 */
export function ResultsView({
  api,
  flowId,
  flowName,
  flowsUrl,
  elementTypes,
  initialVersion,
  participantId,
  modeToggle,
  onLocationChange,
}: ResultsViewProps) {
  const [stores] = useState(() => createResultsStores(elementTypes));
  const [choice, setChoice] = useState<VersionChoice | null>(initialVersion);
  const { report, drawing, error, loading, live } = useLiveReport(api, flowId, choice, stores.counts);
  const [selected, setSelected] = useState<string | null>(null);
  const [participant, setParticipant] = useState<ParticipantState | null>(
    participantId === null ? null : { status: "loading", id: participantId },
  );

  // The newest version was not known when the page loaded (published since): take it from the report.
  const newest = report?.versions[0]?.number;
  useEffect(() => {
    if (choice === null && newest !== undefined) {
      setChoice(newest);
    }
  }, [choice, newest]);

  // A participant's path is drawn on their own version.
  useEffect(() => {
    if (participantId === null) {
      return;
    }
    const controller = new AbortController();
    api.participant(participantId, controller.signal).then(
      (detail) => {
        setParticipant({ status: "ready", id: participantId, detail });
        if (detail.flow === flowId) {
          setChoice(detail.version);
        }
      },
      (failure: unknown) => {
        if (isAbort(failure)) {
          return;
        }
        setParticipant(
          failure instanceof ApiError && failure.status === 404
            ? { status: "missing", id: participantId }
            : { status: "failed", id: participantId, error: describeError(failure) },
        );
      },
    );
    return () => controller.abort();
  }, [api, flowId, participantId]);

  useEffect(() => {
    onLocationChange(choice, participant?.id ?? null);
  }, [choice, participant?.id, onLocationChange]);

  const definition = drawing?.definition ?? null;
  const shownPath =
    participant?.status === "ready" && participant.detail.flow === flowId ? participant.detail.path : null;
  useEffect(() => {
    const highlight = shownPath && definition ? pathHighlight(shownPath, definition) : null;
    stores.nodeMarks.replace(
      new Map(
        [...(highlight?.nodeSteps ?? [])].map(([id, steps]): [string, PathMark] => [
          id,
          { steps, last: id === highlight?.last },
        ]),
      ),
    );
    stores.edgeMarks.replace(
      new Map([...(highlight?.edgeSteps ?? [])].map(([id, steps]): [string, PathMark] => [id, { steps, last: false }])),
    );
  }, [shownPath, definition, stores]);

  const nodesById = useMemo(
    () => new Map<string, FlowDocNode>((definition?.nodes ?? []).map((node) => [node.id, node])),
    [definition],
  );
  const selectedNode = selected ? nodesById.get(selected) : undefined;
  const onNodeClick = useCallback((nodeId: string) => setSelected(nodeId), []);
  const onPaneClick = useCallback(() => setSelected(null), []);
  const closeParticipant = useCallback(() => setParticipant(null), []);

  function chooseVersion(value: string) {
    setSelected(null);
    setChoice(value === "all" ? "all" : Number(value));
  }

  const versions = report?.versions ?? [];
  const neverPublished = report !== null && versions.length === 0;

  return (
    <ResultsContext value={stores}>
      <div className="designer results-mode" data-testid="results-mode">
        <header className="toolbar">
          <a href={flowsUrl} className="back-link">
            ← Flow
          </a>
          <h1>{flowName}</h1>
          <label className="results-version">
            <span>Version</span>
            <select
              data-testid="results-version"
              value={choice === null ? "" : String(choice)}
              onChange={(event) => chooseVersion(event.target.value)}
            >
              {choice === null && <option value="">Newest</option>}
              <option value="all">All versions</option>
              {typeof choice === "number" && !versions.some((version) => version.number === choice) && (
                <option value={String(choice)}>v{choice}</option>
              )}
              {versions.map((version) => (
                <option key={version.number} value={String(version.number)}>
                  v{version.number}
                  {version === versions[0] ? " (newest)" : ""}
                </option>
              ))}
            </select>
          </label>
          <LiveBadge state={live} loading={loading} />
          {modeToggle}
        </header>
        {error && (
          <p className="conflict" role="alert" data-testid="results-error">
            {error}
          </p>
        )}
        {report && <Totals totals={report.totals} />}
        <div className="designer-body results-body">
          <div className="canvas-area">
            {definition ? (
              <ResultsCanvas
                key={drawing?.key}
                definition={definition}
                onNodeClick={onNodeClick}
                onPaneClick={onPaneClick}
              />
            ) : (
              <p className="page-message muted" data-testid="results-empty">
                {neverPublished
                  ? "This flow has not been published yet: publish it, launch it, and its counts appear here."
                  : error
                    ? ""
                    : "Loading the results…"}
              </p>
            )}
          </div>
          <aside className="side-panel" aria-label="Results" data-testid="results-panel">
            {participant ? (
              <ParticipantPanel
                flowId={flowId}
                participant={participant}
                nodesById={nodesById}
                onClose={closeParticipant}
              />
            ) : selectedNode && choice !== null ? (
              <NodePanel
                key={`${choice}:${selectedNode.id}`}
                api={api}
                flowId={flowId}
                version={choice}
                node={selectedNode}
              />
            ) : (
              <p className="muted">Click an element to see who is waiting there and how many left by each exit.</p>
            )}
          </aside>
        </div>
      </div>
    </ResultsContext>
  );
}

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Not live: reload the page",
};

function LiveBadge({ state, loading }: { state: LiveState; loading: boolean }) {
  return (
    <span className={`live-state live-${state}`} data-testid="live-state" data-state={state} role="status">
      {LIVE_TEXT[state]}
      {loading ? " · updating" : ""}
    </span>
  );
}

const TOTALS: Array<[keyof Totals, string]> = [
  ["entered", "entered"],
  ["active", "in the flow now"],
  ["completed", "completed"],
  ["exited", "exited"],
  ["failed", "failed"],
];

function Totals({ totals }: { totals: Partial<Totals> }) {
  return (
    <ul className="results-totals" data-testid="results-totals">
      {TOTALS.map(([key, label]) => (
        <li key={key}>
          <b data-testid={`total-${key}`}>{formatExact(totals[key] ?? 0)}</b> {label}
        </li>
      ))}
    </ul>
  );
}
