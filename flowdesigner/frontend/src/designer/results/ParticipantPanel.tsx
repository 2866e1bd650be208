import type { FlowDocNode } from "../types";
import { participantName, type ParticipantDetail } from "./api";
import { useResultsStores } from "./context";

const LIVE: ReadonlySet<string> = new Set(["active", "waiting"]);

/** What is known of the participant whose path is shown. */
export type ParticipantState =
  | { status: "loading"; id: number }
  | { status: "missing"; id: number }
  | { status: "failed"; id: number; error: string }
  | { status: "ready"; id: number; detail: ParticipantDetail };

interface ParticipantPanelProps {
  flowId: number;
  participant: ParticipantState;
  nodesById: ReadonlyMap<string, FlowDocNode>;
  onClose(): void;
}

/** The side panel of a participant's path: who, where they went (in order, as numbered on the canvas) and
 * their messages. */
export function ParticipantPanel({ flowId, participant, nodesById, onClose }: ParticipantPanelProps) {
  const { elementTypes } = useResultsStores();
  const close = (
    <button type="button" data-testid="participant-close" onClick={onClose}>
      Hide path
    </button>
  );
  if (participant.status === "loading") {
    return <p className="muted">Loading participant {participant.id}…</p>;
  }
  if (participant.status === "missing" || participant.status === "failed") {
    return (
      <div className="results-note" role="alert" data-testid="participant-unknown">
        <p>
          {participant.status === "missing"
            ? `There is no participant ${participant.id}: nothing to show on the canvas.`
            : `Participant ${participant.id} could not be loaded: ${participant.error}`}
        </p>
        {close}
      </div>
    );
  }
  const { detail } = participant;
  const path = [...detail.path].sort((a, b) => a.seq - b.seq);
  const otherFlow = detail.flow !== flowId;
  return (
    <>
      <header className="side-panel-header">
        <h2 data-testid="participant-name">{participantName(detail.person, detail.id)}</h2>
        <code>
          participant {detail.id} · v{detail.version} · {detail.status}
        </code>
      </header>
      {otherFlow && (
        <p className="results-note" role="alert">
          This participant is in another flow; their path does not belong on this canvas.
        </p>
      )}
      <p>
        <a href={`/flows/${detail.flow}/participants/${detail.id}/`}>Participant page</a> {close}
      </p>
      <section>
        <h3>Path</h3>
        <ol className="results-path" data-testid="participant-path">
          {path.map((entry) => {
            const node = nodesById.get(entry.node_id);
            const type = node?.type ?? entry.node_type ?? "";
            return (
              <li key={entry.seq} data-testid={`path-entry-${entry.seq}`}>
                {elementTypes.get(type)?.label ?? type} <code>{entry.node_id}</code>
                {entry.exit ? <span className="muted"> → {entry.exit}</span> : null}
                {!entry.left_at && LIVE.has(detail.status) && <span className="muted"> (here now)</span>}
              </li>
            );
          })}
        </ol>
      </section>
      <section>
        <h3>Messages</h3>
        {detail.messages.length === 0 && <p className="muted">No messages.</p>}
        <ul className="results-messages" data-testid="participant-messages">
          {detail.messages.map((message) => (
            <li key={message.id} className={`direction-${message.direction}`}>
              <div className="muted">
                {message.direction === "in" ? "From them" : "To them"} · {message.channel} · {message.status} ·{" "}
                {formatTime(message.at)}
              </div>
              <div>{message.text}</div>
              {message.answer ? <div data-testid={`message-answer-${message.id}`}>Answer: {message.answer}</div> : null}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

function formatTime(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toLocaleString();
}
