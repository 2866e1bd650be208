import type { DraftSaver } from "../useDraftSaver";

interface ToolbarProps {
  flowName: string;
  flowsUrl: string;
  saver: DraftSaver;
}

export function Toolbar({ flowName, flowsUrl, saver }: ToolbarProps) {
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
      <button
        type="button"
        className="primary"
        data-testid="publish"
        disabled={conflict !== null || publishing}
        onClick={() => void saver.publish()}
      >
        Publish
      </button>
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
