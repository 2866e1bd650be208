import type { ReactNode } from "react";
import type { ExportRefusal } from "../exportXml";
import type { DraftSaver } from "../useDraftSaver";

interface ToolbarProps {
  flowName: string;
  flowsUrl: string;
  saver: DraftSaver;
  exporting: boolean;
  onExport(): void;
  /** Shows the flow settings in the side panel (by deselecting the elements). */
  onFlowSettings(): void;
  validating: boolean;
  /** Places Exits after unconnected exits and lists what is left to fix. */
  onValidate(): void;
  /** Arranges the whole flow left to right (layout.ts); no button without it. */
  onAutoLayout?(): void;
  /** True while the layout is being computed. */
  laying?: boolean;
  /** Undo and redo of the editor's changes. */
  history: { canUndo: boolean; canRedo: boolean; undo(): void; redo(): void };
  /** The "Edit | Results" switch, at the end of the bar. */
  modeToggle?: ReactNode;
  /** Opens the published versions (history/HistoryPanel.tsx); no button without it. */
  onShowHistory?(): void;
  /** Opens the simulator (simulator/Simulator.tsx); no button without it. */
  onTry?(): void;
}

export function Toolbar({
  flowName,
  flowsUrl,
  saver,
  exporting,
  onExport,
  onFlowSettings,
  validating,
  onValidate,
  onAutoLayout,
  laying = false,
  history,
  modeToggle,
  onShowHistory,
  onTry,
}: ToolbarProps) {
  const { status, conflict, publishing } = saver;
  return (
    <header className="toolbar">
      <a href={flowsUrl} className="back-link">
        ← Flows
      </a>
      <h1>{flowName}</h1>
      <span className={`status status-${status.tone}`} data-testid="status" role="status">
        {status.text}
      </span>
      <button
        type="button"
        data-testid="undo"
        aria-label="Undo"
        title="Undo (Ctrl+Z)"
        disabled={!history.canUndo}
        onClick={history.undo}
      >
        ↶ Undo
      </button>
      <button
        type="button"
        data-testid="redo"
        aria-label="Redo"
        title="Redo (Ctrl+Shift+Z or Ctrl+Y)"
        disabled={!history.canRedo}
        onClick={history.redo}
      >
        ↷ Redo
      </button>
      <button type="button" data-testid="save" disabled={conflict !== null} onClick={() => void saver.save()}>
        Save
      </button>
      <button type="button" data-testid="open-flow-settings" title="Variables, re-entry, priority and send window" onClick={onFlowSettings}>
        Flow settings
      </button>
      <button
        type="button"
        data-testid="validate"
        title="Place an Exit after every unconnected exit and list what is left to fix"
        disabled={validating}
        onClick={onValidate}
      >
        Validate
      </button>
      {onAutoLayout && (
        <button
          type="button"
          data-testid="auto-layout"
          title="Arrange the flow left to right along its connections, with no element overlapping another"
          disabled={laying}
          onClick={onAutoLayout}
        >
          {laying ? "Tidying…" : "Tidy up"}
        </button>
      )}
      <button
        type="button"
        data-testid="export-xml"
        title="Download the draft as Rogerthat message flow XML"
        disabled={exporting}
        onClick={onExport}
      >
        Export XML
      </button>
      {onShowHistory && (
        <button
          type="button"
          data-testid="open-history"
          title="Published versions: who published them and when, what changed, restore one"
          onClick={onShowHistory}
        >
          History
        </button>
      )}
      {onTry && (
        <button
          type="button"
          data-testid="try-flow"
          title="Run the draft as a real person: nothing is sent and nothing is stored"
          onClick={onTry}
        >
          Try it
        </button>
      )}
      <button
        type="button"
        className="primary"
        data-testid="publish"
        disabled={conflict !== null || publishing}
        onClick={() => void saver.publish()}
      >
        Publish
      </button>
      {modeToggle}
    </header>
  );
}

export function ConflictBanner({ message, onReload }: { message: string; onReload(): void }) {
  return (
    <div className="conflict" data-testid="conflict" role="alert">
      <p>{message}</p>
      <p>Your latest changes were not saved. Reload to continue from the saved version.</p>
      <button type="button" className="primary" onClick={onReload}>
        Reload
      </button>
    </div>
  );
}

export function ExportErrors({ refusal, onClose }: { refusal: ExportRefusal; onClose(): void }) {
  return (
    <div className="conflict export-refusal" data-testid="export-errors" role="alert">
      <p>{refusal.detail}</p>
      {refusal.errors.length > 0 && (
        <ul className="export-errors">
          {refusal.errors.map((error, index) => (
            <li key={index}>{error}</li>
          ))}
        </ul>
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
