import type { FlowEntries } from "../../api";
import { useExistingFlowEntries } from "../../catalog";
import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { useDesigner } from "../../context";
import type { EditorProps } from "../types";
import { readAddToFlow, targetWarning, withTargetFlow } from "./config";

export function AddToFlowEditor({ nodeId, config, onChange }: EditorProps) {
  const { flow, entry } = readAddToFlow(config);
  const flows = useExistingFlowEntries();
  const { flowId } = useDesigner();
  const issuesAt = useIssuesAt(nodeId);
  const list = flows.status === "loaded" ? flows.value : [];
  const target = list.find((candidate) => candidate.flow === flow);

  return (
    <>
      <p className="hint muted">
        Hands the person, with their flow variables, to another flow through its Existing Flow entry; this flow goes
        on at “next” at once.
      </p>
      <label className="field">
        <span>Flow</span>
        <select
          data-testid="field-target-flow"
          value={flow ?? ""}
          disabled={flows.status === "loading"}
          aria-invalid={issuesAt("config.flow").length > 0}
          onChange={(event) => onChange(withTargetFlow(config, event.target.value ? Number(event.target.value) : null, list))}
        >
          <option value="">Choose a flow…</option>
          {list.map((candidate) => (
            <option key={candidate.flow} value={candidate.flow} disabled={candidate.entries.length === 0}>
              {flowOptionLabel(candidate, flowId)}
            </option>
          ))}
          {flow !== null && !target && <option value={flow}>Flow #{flow}</option>}
        </select>
        {flows.status === "loading" && <span className="muted">Loading the flows…</span>}
        {flows.status === "failed" && (
          <span className="error-text">The flows could not be loaded ({flows.error}); reopen this step to try again.</span>
        )}
        {flows.status === "loaded" && list.length === 0 && (
          <span className="hint muted" data-testid="no-existing-flows">
            No flow takes people from other flows yet: give a flow an Existing Flow entry point and publish it.
          </span>
        )}
        <FieldIssues messages={issuesAt("config.flow")} />
        {targetWarning(target) && <span className="warning muted">{targetWarning(target)}</span>}
      </label>
      {flow !== null && (
        <EntrySelect
          entry={entry}
          target={target}
          messages={issuesAt("config.entry")}
          onChange={(next) => onChange({ ...config, entry: next })}
        />
      )}
    </>
  );
}

function flowOptionLabel(candidate: FlowEntries, currentFlowId: number): string {
  const notes = [candidate.status];
  if (candidate.flow === currentFlowId) {
    notes.push("this flow");
  }
  if (candidate.entries.length === 0) {
    notes.push("no Existing Flow entry");
  }
  return `${candidate.name} (${notes.join(", ")})`;
}

interface EntrySelectProps {
  entry: string;
  target: FlowEntries | undefined;
  messages: string[];
  onChange(entry: string): void;
}

/** Which Existing Flow entry of the chosen flow the person enters at (a flow may have several). */
function EntrySelect({ entry, target, messages, onChange }: EntrySelectProps) {
  const entries = target?.entries ?? [];
  return (
    <label className="field">
      <span>Enter at</span>
      <select
        data-testid="field-target-entry"
        value={entry}
        aria-invalid={messages.length > 0 || !entry}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">Choose its Existing Flow entry…</option>
        {entries.map((item) => (
          <option key={item.id} value={item.id}>
            {item.label || item.id}
          </option>
        ))}
        {entry && !entries.some((item) => item.id === entry) && <option value={entry}>{entry}</option>}
      </select>
      <FieldIssues messages={messages} />
    </label>
  );
}
