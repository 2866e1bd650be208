import "./history.css";
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type NodeTypes,
} from "@xyflow/react";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, describeError } from "../../shared/http";
import type { ElementTypeInfo, FlowDoc } from "../types";
import { pageHistoryApi, type HistoryApi, type VersionSummary } from "./api";
import { diffFlows, type FlowDiff } from "./diff";
import { diffGraph, type HistoryNode } from "./diffGraph";
import { CHANGE_LABELS, HistoryNodeView, HistoryTypesContext } from "./HistoryNodeView";

const nodeTypes: NodeTypes = { history: HistoryNodeView };
/** As on the results canvas: above this many elements only what is in view is rendered. */
const VISIBLE_ONLY_FROM = 300;
const DRAFT = "draft";

/** A side of the comparison: a published version's number, or the draft as it is on the canvas now. */
type Side = number | typeof DRAFT;

interface HistoryPanelProps {
  flowId: number;
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  /** The draft as it is on the canvas now (unsaved edits included), to compare a version with. */
  currentDraft(): FlowDoc;
  /** Saves pending edits before a restore replaces the draft; false when they could not be saved. */
  beforeRestore(): Promise<boolean>;
  /** The draft was replaced on the server: the editor must load it again. */
  onRestored(): void;
  onClose(): void;
  api?: HistoryApi;
}

/**
 * The flow's history: every published version with who published it and when; a comparison of any two (or
 * one with the current draft) drawn on a read-only canvas, changes highlighted and listed; and restoring a
 * version as the draft.
 */
export function HistoryPanel({
  flowId,
  elementTypes,
  currentDraft,
  beforeRestore,
  onRestored,
  onClose,
  api = pageHistoryApi(),
}: HistoryPanelProps) {
  const [versions, setVersions] = useState<VersionSummary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [from, setFrom] = useState<Side | null>(null);
  const [to, setTo] = useState<Side | null>(null);
  // Published definitions never change: each is fetched once while the panel is open.
  const [documents, setDocuments] = useState<ReadonlyMap<number, FlowDoc>>(new Map());
  // The draft as it was when the panel opened (the editor behind it is not edited meanwhile).
  const [draft] = useState(currentDraft);

  useEffect(() => {
    let live = true;
    api.versions(flowId).then(
      (found) => {
        if (!live) return;
        setVersions(found);
        const [newest, previous] = found;
        if (newest && previous) {
          setFrom(previous.number);
          setTo(newest.number);
        } else if (newest) {
          setFrom(newest.number);
          setTo(DRAFT);
        }
      },
      (error: unknown) => live && setLoadError(describeError(error)),
    );
    return () => {
      live = false;
    };
  }, [api, flowId]);

  // Each version is asked for once, even while another answer changes `documents`.
  const requested = useRef(new Set<number>());
  useEffect(() => {
    for (const side of [from, to]) {
      if (typeof side === "number" && !requested.current.has(side)) {
        requested.current.add(side);
        api.version(flowId, side).then(
          (version) => setDocuments((known) => new Map(known).set(side, version.definition)),
          (error: unknown) => setLoadError(describeError(error)),
        );
      }
    }
  }, [api, flowId, from, to]);

  const documentOf = (side: Side | null): FlowDoc | undefined =>
    side === DRAFT ? draft : side === null ? undefined : documents.get(side);
  const older = documentOf(from);
  const newer = documentOf(to);
  const diff = useMemo(() => (older && newer ? diffFlows(older, newer) : null), [older, newer]);

  // Keyboard users start inside the dialog, not on the toolbar button hidden behind it.
  const panelRef = useRef<HTMLDivElement>(null);
  useEffect(() => panelRef.current?.focus(), []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);

  return (
    <div
      ref={panelRef}
      tabIndex={-1}
      className="history-panel"
      role="dialog"
      aria-modal="true"
      aria-labelledby="history-title"
      data-testid="history"
    >
      <header className="history-header">
        <h2 id="history-title">History</h2>
        {versions && versions.length > 0 && (
          <div className="history-compare">
            <label>
              Compare
              <select
                data-testid="history-from"
                value={String(from ?? "")}
                onChange={(event) => setFrom(readSide(event.target.value))}
              >
                <SideOptions versions={versions} />
              </select>
            </label>
            <label>
              with
              <select
                data-testid="history-to"
                value={String(to ?? "")}
                onChange={(event) => setTo(readSide(event.target.value))}
              >
                <SideOptions versions={versions} />
              </select>
            </label>
          </div>
        )}
        <button type="button" data-testid="close-history" onClick={onClose}>
          Close
        </button>
      </header>
      {loadError && (
        <p className="error-text history-error" role="alert">
          The history could not be loaded: {loadError}
        </p>
      )}
      <ReactFlowProvider>
        <div className="history-body">
          <aside className="history-side">
            <VersionList
              flowId={flowId}
              versions={versions}
              api={api}
              beforeRestore={beforeRestore}
              onRestored={onRestored}
            />
            {diff && <ChangeList diff={diff} elementTypes={elementTypes} from={from} to={to} />}
          </aside>
          <div className="history-canvas">
            {older && newer && diff ? (
              <HistoryTypesContext value={elementTypes}>
                <DiffCanvas key={`${from}:${to}`} older={older} newer={newer} diff={diff} />
              </HistoryTypesContext>
            ) : (
              <p className="history-placeholder">
                {versions === null
                  ? "Loading…"
                  : versions.length === 0
                    ? "Nothing has been published yet: the history starts with the first publish."
                    : "Loading the versions to compare…"}
              </p>
            )}
          </div>
        </div>
      </ReactFlowProvider>
    </div>
  );
}

function readSide(value: string): Side | null {
  if (value === DRAFT) return DRAFT;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : null;
}

function sideName(side: Side | null): string {
  return side === DRAFT ? "the current draft" : side === null ? "" : `version ${side}`;
}

function SideOptions({ versions }: { versions: VersionSummary[] }) {
  return (
    <>
      <option value={DRAFT}>Current draft</option>
      {versions.map((version) => (
        <option key={version.number} value={version.number}>
          Version {version.number}
          {version.published_by ? ` by ${version.published_by}` : ""}
        </option>
      ))}
    </>
  );
}

function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

interface VersionListProps {
  flowId: number;
  versions: VersionSummary[] | null;
  api: HistoryApi;
  beforeRestore(): Promise<boolean>;
  onRestored(): void;
}

/** The published versions, newest first, each with its restore (asked for confirmation first). */
function VersionList({ flowId, versions, api, beforeRestore, onRestored }: VersionListProps) {
  const [confirming, setConfirming] = useState<number | null>(null);
  const [restoring, setRestoring] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function restore(number: number) {
    setRestoring(true);
    setError(null);
    try {
      if (!(await beforeRestore())) {
        setError("Your latest edits could not be saved, so nothing was restored. Reload the flow and try again.");
        return;
      }
      await api.restore(flowId, number, await api.draftRevision(flowId));
      onRestored();
    } catch (caught) {
      setError(
        caught instanceof ApiError && caught.status === 409
          ? `${caught.message} Nothing was restored.`
          : `Version ${number} could not be restored: ${describeError(caught)}`,
      );
    } finally {
      setRestoring(false);
      setConfirming(null);
    }
  }

  if (versions === null) {
    return null;
  }
  return (
    <section aria-labelledby="history-versions-title">
      <h3 id="history-versions-title">Published versions</h3>
      {versions.length === 0 && <p className="muted">No published versions yet.</p>}
      <ol className="history-versions">
        {versions.map((version) => (
          <li key={version.number} data-testid={`history-version-${version.number}`}>
            <div className="history-version-head">
              <b>Version {version.number}</b>
              <span className="history-version-meta">
                {version.published_by ?? "Unknown publisher"} ·{" "}
                <time dateTime={version.published_at}>{formatWhen(version.published_at)}</time> ·{" "}
                {version.element_count} element{version.element_count === 1 ? "" : "s"}
              </span>
            </div>
            {confirming === version.number ? (
              <div className="history-confirm" role="alertdialog" aria-label={`Restore version ${version.number}?`}>
                <p>
                  Replace the draft with version {version.number}? Changes in the draft that were never published
                  are lost.
                </p>
                <button
                  type="button"
                  className="primary"
                  data-testid="confirm-restore"
                  autoFocus
                  disabled={restoring}
                  onClick={() => void restore(version.number)}
                >
                  {restoring ? "Restoring…" : `Restore version ${version.number}`}
                </button>
                <button type="button" disabled={restoring} onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button
                type="button"
                data-testid={`restore-version-${version.number}`}
                onClick={() => {
                  setError(null);
                  setConfirming(version.number);
                }}
              >
                Restore this version
              </button>
            )}
          </li>
        ))}
      </ol>
      {error && (
        <p className="error-text" role="alert" data-testid="restore-error">
          {error}
        </p>
      )}
    </section>
  );
}

interface ChangeListProps {
  diff: FlowDiff;
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  from: Side | null;
  to: Side | null;
}

/** The changed elements with their changed fields; choosing one centres it on the canvas. */
function ChangeList({ diff, elementTypes, from, to }: ChangeListProps) {
  const { getNode, setCenter, getZoom } = useReactFlow<HistoryNode>();
  const centre = useCallback(
    (id: string) => {
      const node = getNode(id);
      if (node) {
        const width = node.measured?.width ?? 220;
        const height = node.measured?.height ?? 0;
        void setCenter(node.position.x + width / 2, node.position.y + height / 2, {
          zoom: Math.max(getZoom(), 0.8),
          duration: 300,
        });
      }
    },
    [getNode, setCenter, getZoom],
  );
  const nothing = diff.nodes.length === 0 && diff.flowFields.length === 0;

  return (
    <section aria-labelledby="history-changes-title" data-testid="history-changes">
      <h3 id="history-changes-title">
        Changes from {sideName(from)} to {sideName(to)}
      </h3>
      {nothing && <p className="muted">No element changed{diff.moved.length > 0 ? " (only positions)" : ""}.</p>}
      <ul className="history-changes">
        {diff.nodes.map((change) => (
          <li key={change.id}>
            <button
              type="button"
              className="history-change"
              data-testid={`history-change-${change.id}`}
              data-change={change.kind}
              onClick={() => centre(change.id)}
            >
              <span className={`change-badge change-badge-${change.kind}`}>{CHANGE_LABELS[change.kind]}</span>{" "}
              <b>{elementTypes.get(change.type)?.label ?? change.type}</b> <code>{change.id}</code>
              {change.fields.length > 0 && (
                <span className="history-fields" data-testid={`history-fields-${change.id}`}>
                  {change.fields.join(", ")}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
      {diff.flowFields.length > 0 && (
        <p className="history-flow-fields" data-testid="history-flow-fields">
          Flow settings changed: {diff.flowFields.join(", ")}
        </p>
      )}
      {diff.moved.length > 0 && !nothing && (
        <p className="muted">
          {diff.moved.length} element{diff.moved.length === 1 ? "" : "s"} moved.
        </p>
      )}
    </section>
  );
}

/** The newer side drawn read-only, with the older side's removed elements and connections ghosted. */
function DiffCanvas({ older, newer, diff }: { older: FlowDoc; newer: FlowDoc; diff: FlowDiff }) {
  const graph = useMemo(() => diffGraph(older, newer, diff), [older, newer, diff]);
  return (
    <ReactFlow<HistoryNode>
      data-testid="history-canvas"
      defaultNodes={graph.nodes}
      defaultEdges={graph.edges}
      nodeTypes={nodeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      deleteKeyCode={null}
      fitView
      fitViewOptions={{ maxZoom: 1, padding: 0.1 }}
      minZoom={0.05}
      onlyRenderVisibleElements={graph.nodes.length >= VISIBLE_ONLY_FROM}
    >
      <Background />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
}
