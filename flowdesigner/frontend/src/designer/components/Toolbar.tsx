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
  /** The "Edit | Results" switch, at the end of the bar. */
  modeToggle?: ReactNode;
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
  modeToggle,
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
      <button
        type="button"
        data-testid="export-xml"
        title="Download the draft as Rogerthat message flow XML"
        disabled={exporting}
        onClick={onExport}
      >
        Export XML
      </button>
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
