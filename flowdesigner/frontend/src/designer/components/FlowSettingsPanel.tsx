import {
  DEFAULT_SEND_WINDOW,
  PRIORITIES,
  REENTRY_CHOICES,
  REENTRY_LABELS,
  SENDER_NAME_MAX,
  senderNameProblem,
  sendWindowSummary,
  type FlowSettings,
  type Reentry,
  type SendWindow,
} from "../flowSettings";
import { isLocalTime } from "../timing";
import {
  declarationProblem,
  DEFAULT_INPUT,
  VARIABLE_TYPE_LABELS,
  VARIABLE_TYPES,
  type FlowVariable,
  type VariableType,
} from "../variables";
import { TypedValueInput } from "./TypedValueInput";

interface FlowSettingsPanelProps {
  settings: FlowSettings;
  onChange(settings: FlowSettings): void;
}

/** The flow's own settings: its typed variables, who may enter again, its priority, the hours
 * messages may be sent in and the sender name end users see. */
export function FlowSettingsPanel({ settings, onChange }: FlowSettingsPanelProps) {
  const set = (changes: Partial<FlowSettings>) => onChange({ ...settings, ...changes });
  return (
    <section className="flow-settings" data-testid="flow-settings" aria-label="Flow settings">
      <header className="side-panel-header">
        <h2>Flow settings</h2>
      </header>
      <VariablesField variables={settings.variables} onChange={(variables) => set({ variables })} />
      <ReentryField value={settings.reentry} onChange={(reentry) => set({ reentry })} />
      <PriorityField value={settings.priority} onChange={(priority) => set({ priority })} />
      <SendWindowField window={settings.sendWindow} onChange={(sendWindow) => set({ sendWindow })} />
      <SenderNameField value={settings.senderName} onChange={(senderName) => set({ senderName })} />
    </section>
  );
}

function VariablesField({ variables, onChange }: { variables: FlowVariable[]; onChange(variables: FlowVariable[]): void }) {
  return (
    <fieldset className="field">
      <legend>Variables</legend>
      <p className="hint muted">
        Values a participant carries through the flow: set by forms, events and calls, used in texts as{" "}
        <code>{"{{ variables.name }}"}</code> and in condition splits. A participant starts with the default, if any.
      </p>
      {variables.length > 0 && (
        <ol className="button-rows">
          {variables.map((variable, index) => (
            <VariableRow
              key={index}
              index={index}
              variable={variable}
              problem={declarationProblem(variables, index)}
              onChange={(changed) => onChange(variables.with(index, changed))}
              onRemove={() => onChange(variables.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
      )}
      <button type="button" data-testid="add-variable" onClick={() => onChange([...variables, { name: "", type: "text" }])}>
        Add variable
      </button>
    </fieldset>
  );
}

interface VariableRowProps {
  index: number;
  variable: FlowVariable;
  problem: string | null;
  onChange(variable: FlowVariable): void;
  onRemove(): void;
}

function VariableRow({ index, variable, problem, onChange, onRemove }: VariableRowProps) {
  const errorId = `variable-error-${index}`;
  return (
    <li className="variable-row">
      <input
        data-testid={`variable-name-${index}`}
        aria-label={`Variable ${index + 1} name`}
        value={variable.name}
        placeholder="city"
        aria-invalid={problem !== null}
        aria-describedby={problem ? errorId : undefined}
        onChange={(event) => onChange({ ...variable, name: event.target.value })}
      />
      <select
        data-testid={`variable-type-${index}`}
        aria-label={`Variable ${index + 1} type`}
        value={variable.type}
        // A default of the old type rarely fits the new one, so it goes with the change.
        onChange={(event) => onChange({ name: variable.name, type: event.target.value as VariableType })}
      >
        {VARIABLE_TYPES.map((type) => (
          <option key={type} value={type}>
            {VARIABLE_TYPE_LABELS[type]}
          </option>
        ))}
      </select>
      <button
        type="button"
        data-testid={`remove-variable-${index}`}
        aria-label={`Remove variable ${index + 1}`}
        onClick={onRemove}
      >
        Remove
      </button>
      <label className="sub-field variable-default">
        <span>Default (empty: none)</span>
        <TypedValueInput
          // A new type is a new input: the text typed for the old one means nothing now.
          key={variable.type}
          kind={DEFAULT_INPUT[variable.type]}
          testId={`variable-default-${index}`}
          label={`Default value of variable ${index + 1}`}
          value={variable.default}
          onChange={(value) => onChange(value === null ? { name: variable.name, type: variable.type } : { ...variable, default: value })}
        />
      </label>
      {problem && (
        <span id={errorId} className="error-text row-problem">
          {problem}
        </span>
      )}
    </li>
  );
}

function ReentryField({ value, onChange }: { value: Reentry; onChange(value: Reentry): void }) {
  return (
    <label className="field">
      <span>Re-entry</span>
      <select data-testid="reentry" value={value} onChange={(event) => onChange(event.target.value as Reentry)}>
        {REENTRY_CHOICES.map((choice) => (
          <option key={choice} value={choice}>
            {REENTRY_LABELS[choice]}
          </option>
        ))}
      </select>
      <span className="hint muted">Whether a person who already entered this flow may enter it again.</span>
    </label>
  );
}

function PriorityField({ value, onChange }: { value: number; onChange(value: number): void }) {
  return (
    <label className="field">
      <span>Priority</span>
      <select data-testid="priority" value={value} onChange={(event) => onChange(Number(event.target.value))}>
        {PRIORITIES.map((priority) => (
          <option key={priority} value={priority}>
            {priority}
            {priority === 1 ? " (lowest)" : priority === 5 ? " (highest)" : ""}
          </option>
        ))}
      </select>
      <span className="hint muted">When the frequency cap lets a person into only one flow, the highest priority wins.</span>
    </label>
  );
}

function SendWindowField({ window, onChange }: { window: SendWindow | null; onChange(window: SendWindow | null): void }) {
  return (
    <fieldset className="field">
      <legend>Send window</legend>
      <label className="check">
        <input
          type="checkbox"
          data-testid="send-window-on"
          checked={window !== null}
          onChange={(event) => onChange(event.target.checked ? DEFAULT_SEND_WINDOW : null)}
        />
        Only send messages between set hours, in the person’s timezone
      </label>
      {window && (
        <div className="field-pair">
          <label className="sub-field">
            <span>From</span>
            <input
              type="time"
              data-testid="send-window-start"
              value={window.start}
              aria-invalid={!isLocalTime(window.start)}
              onChange={(event) => onChange({ ...window, start: event.target.value })}
            />
          </label>
          <label className="sub-field">
            <span>Until</span>
            <input
              type="time"
              data-testid="send-window-end"
              value={window.end}
              aria-invalid={!isLocalTime(window.end)}
              onChange={(event) => onChange({ ...window, end: event.target.value })}
            />
          </label>
        </div>
      )}
      <p className="hint muted" data-testid="send-window-summary">
        {sendWindowSummary(window)}
      </p>
    </fieldset>
  );
}

function SenderNameField({ value, onChange }: { value: string; onChange(value: string): void }) {
  const problem = senderNameProblem(value);
  return (
    <label className="field">
      <span>Sender name</span>
      <input
        data-testid="sender-name"
        value={value}
        placeholder="Flowdesigner"
        maxLength={SENDER_NAME_MAX}
        aria-invalid={problem !== null}
        aria-describedby="sender-name-hint"
        onChange={(event) => onChange(event.target.value)}
      />
      <span id="sender-name-hint" className={problem ? "error-text" : "hint muted"}>
        {problem ?? "Who people see this flow’s messages from in their inbox. Empty: Flowdesigner. The flow’s own name is never shown to them."}
      </span>
    </label>
  );
}
