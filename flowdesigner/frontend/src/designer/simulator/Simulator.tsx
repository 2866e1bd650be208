import { useEffect, useMemo, useState } from "react";
import { MessageCard } from "../../inbox/MessageCard";
import type { Answer } from "../../inbox/types";
import { readPageConfig } from "../../shared/config";
import { ApiError, describeError, isAbort, isObject } from "../../shared/http";
import { useDebouncedValue } from "../../shared/useDebouncedValue";
import { useDesigner } from "../context";
import type { DesignerConfig, Person } from "../types";
import { simulatorApi, type CallOutcome, type SimAction, type SimItem, type Simulation } from "./api";
import { addItems, formatMoment, personChangeText, purposeLabel, waitingOf, waitText } from "./conversation";

interface SimulatorProps {
  flowId: number;
  /** Saves what is on the canvas; false when it could not be saved (the simulation then does not run). */
  flush(): Promise<boolean>;
  onClose(): void;
}

/**
 * "Try it": the draft run as a chosen real person. Messages appear as the inbox shows them and are answered
 * here; waits can be skipped; Call URL and result callbacks show the request they would send. The server
 * sends and stores nothing (engine/simulator.py), and the panel keeps the simulation between steps.
 */
export function Simulator({ flowId, flush, onClose }: SimulatorProps) {
  // The designer's page config holds the API base and CSRF token (the same the designer API is made from).
  const api = useMemo(() => {
    const config = readPageConfig<DesignerConfig>("designer-config");
    return simulatorApi(config.apiBase, config.csrfToken);
  }, []);
  const [person, setPerson] = useState<Person | null>(null);
  const [outcome, setOutcome] = useState<CallOutcome>("success");
  const [callBody, setCallBody] = useState("");
  const [simulation, setSimulation] = useState<Simulation | null>(null);
  const [entries, setEntries] = useState<SimItem[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ detail: string; issues: string[] } | null>(null);
  const [text, setText] = useState("");

  async function run(action: SimAction): Promise<void> {
    if (!person) {
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The server simulates the saved draft: save what is on the canvas first.
      if (!(await flush())) {
        setError({ detail: "The draft could not be saved, so it cannot be tried yet.", issues: [] });
        return;
      }
      const result = await api.simulate(
        flowId,
        person.id,
        action,
        { call_outcome: outcome, call_body: callBody },
        action.action === "start" ? null : simulation,
      );
      setSimulation(result.simulation);
      setEntries((current) => addItems(action.action === "start" ? [] : current, result.items, result.simulation));
    } catch (failure) {
      // An answer on a card that the step refuses is shown by the card, beside its buttons.
      if (action.action === "answer" && !("text" in action.answer)) {
        throw failure;
      }
      setError(readRefusal(failure));
    } finally {
      setBusy(false);
    }
  }

  /** Another person starts over: a simulation belongs to the person it ran as. */
  function choosePerson(chosen: Person) {
    setPerson(chosen);
    setSimulation(null);
    setEntries([]);
    setError(null);
  }

  const waiting = waitingOf(simulation);
  const status = simulation?.state.status;
  return (
    <aside className="simulator" aria-label="Try the flow" data-testid="simulator">
      <header className="simulator-header">
        <h2>Try it</h2>
        <button type="button" data-testid="simulator-close" onClick={onClose}>
          Close
        </button>
      </header>
      <p className="muted simulator-intro">
        Runs the draft as a real person. Nothing is sent to anyone and nothing is stored on the person.
      </p>
      <PersonChooser person={person} onChoose={choosePerson} disabled={busy} />
      <details className="simulator-calls">
        <summary>Call URL answers: {outcome === "success" ? "success (HTTP 200)" : "failure"}</summary>
        <label className="field">
          <span>Simulated outcome</span>
          <select
            data-testid="simulator-call-outcome"
            value={outcome}
            onChange={(event) => setOutcome(event.target.value as CallOutcome)}
          >
            <option value="success">Success (HTTP 200)</option>
            <option value="failure">Failure (no answer)</option>
          </select>
        </label>
        <label className="field">
          <span>Response body on success (JSON)</span>
          <textarea data-testid="simulator-call-body" rows={3} value={callBody} onChange={(event) => setCallBody(event.target.value)} />
        </label>
      </details>
      <div className="simulator-actions">
        <button
          type="button"
          className="primary"
          data-testid="simulator-start"
          disabled={!person || busy}
          onClick={() => void run({ action: "start" })}
        >
          {simulation ? "Restart" : "Start"}
        </button>
        {simulation && (
          <span className="simulator-clock" data-testid="simulator-clock">
            Simulated time: {formatMoment(simulation.now)}
          </span>
        )}
      </div>
      {error && (
        <div className="error-text" role="alert" data-testid="simulator-error">
          <p>{error.detail}</p>
          {error.issues.length > 0 && (
            <ul>
              {error.issues.map((issue, index) => (
                <li key={index}>{issue}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      <ol className="simulator-conversation" aria-label="What happened" data-testid="simulator-conversation">
        {entries.map((entry, index) => (
          <li key={index}>
            <Entry
              entry={entry}
              onAnswer={(answer) => run({ action: "answer", answer })}
            />
          </li>
        ))}
      </ol>
      {waiting && (
        <div className="simulator-waiting" data-testid="simulator-waiting">
          {waiting.textReply && (
            <form
              className="simulator-reply"
              onSubmit={(event) => {
                event.preventDefault();
                if (text.trim()) {
                  void run({ action: "answer", answer: { text } }).then(() => setText(""), () => undefined);
                }
              }}
            >
              <label className="field">
                <span>Reply as the person</span>
                <input data-testid="simulator-text" value={text} onChange={(event) => setText(event.target.value)} />
              </label>
              <button type="submit" disabled={busy || !text.trim()}>
                Send
              </button>
            </form>
          )}
          {waiting.until && (
            <button type="button" data-testid="simulator-skip" disabled={busy} onClick={() => void run({ action: "skip_wait" })}>
              Skip wait (to {formatMoment(waiting.until)})
            </button>
          )}
          {waiting.kind === "call" && (
            <button type="button" data-testid="simulator-continue-call" disabled={busy} onClick={() => void run({ action: "call_result" })}>
              Continue the call
            </button>
          )}
        </div>
      )}
      {status === "completed" && (
        <p className="simulator-end" data-testid="simulator-end">
          The flow is over for this person.
        </p>
      )}
    </aside>
  );
}

function readRefusal(failure: unknown): { detail: string; issues: string[] } {
  const body = failure instanceof ApiError ? failure.body : null;
  const issues =
    isObject(body) && Array.isArray(body.issues)
      ? body.issues.flatMap((issue) =>
          isObject(issue) && typeof issue.message === "string"
            ? [typeof issue.node_id === "string" ? `${issue.node_id}: ${issue.message}` : issue.message]
            : [],
        )
      : [];
  return { detail: describeError(failure), issues };
}

function rejectUpload(): Promise<never> {
  return Promise.reject(new Error("Photos are not uploaded in the simulator; try the photo form in the inbox."));
}

function Entry({ entry, onAnswer }: { entry: SimItem; onAnswer(answer: Answer): Promise<void> }) {
  switch (entry.kind) {
    case "message":
      return (
        <div className="simulator-message">
          {entry.message.channel !== "web" && <p className="muted">Sent by {entry.message.channel}</p>}
          {entry.message.branding_key && <p className="muted">Shown in the branding "{entry.message.branding_key}"</p>}
          <MessageCard message={entry.message} alerts={0} onAnswer={onAnswer} onUpload={rejectUpload} />
        </div>
      );
    case "request":
      return (
        <section className="simulator-card simulator-request" data-testid="simulator-request">
          <h3>
            Dry run: {purposeLabel(entry.purpose)}
            {entry.outcome && <span className="muted"> (answered as {entry.outcome})</span>}
          </h3>
          <p className="simulator-request-line">
            <code>
              {entry.request.method} {entry.request.url}
            </code>
          </p>
          <dl className="simulator-headers">
            {Object.entries(entry.request.headers).map(([name, value]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
          {entry.request.body !== null && <pre className="simulator-body">{entry.request.body}</pre>}
          <p className="muted">Not sent.</p>
        </section>
      );
    case "wait":
      return <p className="simulator-event">{waitText(entry.wait_kind, entry.until, entry.event)}</p>;
    case "time_travel":
      return <p className="simulator-event">Skipped ahead to {formatMoment(entry.at)}</p>;
    case "email":
      return (
        <section className="simulator-card" data-testid="simulator-email">
          <h3>Email (not sent)</h3>
          <p>To: {entry.to.join(", ") || "nobody (no addresses and no admin with an email)"}</p>
          <p>Subject: {entry.subject}</p>
        </section>
      );
    case "person_update":
      return (
        <p className="simulator-event" data-testid="simulator-person-update">
          {personChangeText(entry)} (not applied)
        </p>
      );
    case "handover":
      return <p className="simulator-event">Would hand over to the flow "{entry.flow_name}"</p>;
    case "completed":
      return (
        <p className="simulator-event simulator-completed" data-testid="simulator-completed">
          Completed at the exit "{entry.exit_name}"
        </p>
      );
    case "failed":
      return (
        <p className="simulator-event error-text" data-testid="simulator-failed">
          The flow failed: {entry.reason}
        </p>
      );
    case "note":
      return <p className="simulator-event muted">{entry.text}</p>;
    case "answer":
      return null;
  }
}

const SEARCH_DELAY_MS = 300;

function PersonChooser({
  person,
  onChoose,
  disabled,
}: {
  person: Person | null;
  onChoose(person: Person): void;
  disabled: boolean;
}) {
  const { api } = useDesigner();
  const [text, setText] = useState("");
  const query = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);
  const [found, setFound] = useState<{ query: string; persons: Person[] } | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!query) {
      return;
    }
    const controller = new AbortController();
    api.searchPersons(query, controller.signal).then(
      (page) => {
        setFound({ query, persons: page.results });
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) {
          setError(describeError(failure));
        }
      },
    );
    return () => controller.abort();
  }, [api, query]);

  const shown = query && found?.query === query ? found.persons : null;
  return (
    <div className="simulator-person">
      <p data-testid="simulator-person">
        {person ? <>As <strong>{personName(person)}</strong></> : "Choose the person to try the flow as."}
      </p>
      <label className="field">
        <span>Find a person</span>
        <input
          type="search"
          data-testid="simulator-person-search"
          placeholder="Name, email or phone"
          value={text}
          disabled={disabled}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      {error && <p className="error-text">{error}</p>}
      {shown && (
        <ul className="search-results">
          {shown.map((candidate) => (
            <li key={candidate.id}>
              <button
                type="button"
                data-testid={`simulator-person-${candidate.id}`}
                onClick={() => {
                  onChoose(candidate);
                  setText("");
                }}
              >
                {personName(candidate)}
                {candidate.email && <span className="muted"> {candidate.email}</span>}
              </button>
            </li>
          ))}
          {shown.length === 0 && <li className="muted">No one found.</li>}
        </ul>
      )}
    </div>
  );
}

function personName(person: Person): string {
  return `${person.first_name} ${person.last_name}`.trim() || person.email || person.phone || `Person #${person.id}`;
}
