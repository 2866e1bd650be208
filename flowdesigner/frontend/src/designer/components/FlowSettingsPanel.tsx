import { DEFAULT_SEND_WINDOW, sendWindowSummary, type FlowSettings, type SendWindow } from "../flowSettings";
import { isLocalTime } from "../timing";
import { declarationProblem, VARIABLE_TYPE_LABELS, VARIABLE_TYPES, type FlowVariable, type VariableType } from "../variables";

interface FlowSettingsPanelProps {
  settings: FlowSettings;
  onChange(settings: FlowSettings): void;
}

/** The flow's own settings: its typed variables and the hours messages may be sent in. */
export function FlowSettingsPanel({ settings, onChange }: FlowSettingsPanelProps) {
  const { variables, sendWindow } = settings;
  const setVariables = (next: FlowVariable[]) => onChange({ ...settings, variables: next });
  const setWindow = (next: SendWindow | null) => onChange({ ...settings, sendWindow: next });

  return (
    <section className="flow-settings" data-testid="flow-settings" aria-label="Flow settings">
      <header className="side-panel-header">
        <h2>Flow settings</h2>
      </header>

      <fieldset className="field">
        <legend>Variables</legend>
        <p className="hint muted">
          Values a participant carries through the flow: set by forms, events and calls, used in texts as{" "}
          <code>{"{{ variables.name }}"}</code> and in condition splits.
        </p>
        {variables.length > 0 && (
          <ol className="button-rows">
            {variables.map((variable, index) => {
              const problem = declarationProblem(variables, index);
              const errorId = `variable-error-${index}`;
              return (
                <li key={index} className="row-pair">
                  <input
                    data-testid={`variable-name-${index}`}
                    aria-label={`Variable ${index + 1} name`}
                    value={variable.name}
                    placeholder="city"
                    aria-invalid={problem !== null}
                    aria-describedby={problem ? errorId : undefined}
                    onChange={(event) => setVariables(variables.with(index, { ...variable, name: event.target.value }))}
                  />
                  <select
                    data-testid={`variable-type-${index}`}
                    aria-label={`Variable ${index + 1} type`}
                    value={variable.type}
                    onChange={(event) =>
                      setVariables(variables.with(index, { ...variable, type: event.target.value as VariableType }))
                    }
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
                    onClick={() => setVariables(variables.filter((_, other) => other !== index))}
                  >
                    Remove
                  </button>
                  {problem && (
                    <span id={errorId} className="error-text row-problem">
                      {problem}
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        )}
        <button
          type="button"
          data-testid="add-variable"
          onClick={() => setVariables([...variables, { name: "", type: "text" }])}
        >
          Add variable
        </button>
      </fieldset>

      <fieldset className="field">
        <legend>Send window</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="send-window-on"
            checked={sendWindow !== null}
            onChange={(event) => setWindow(event.target.checked ? DEFAULT_SEND_WINDOW : null)}
          />
          Only send messages between set hours, in the person’s timezone
        </label>
        {sendWindow && (
          <div className="field-pair">
            <label className="sub-field">
              <span>From</span>
              <input
                type="time"
                data-testid="send-window-start"
                value={sendWindow.start}
                aria-invalid={!isLocalTime(sendWindow.start)}
                onChange={(event) => setWindow({ ...sendWindow, start: event.target.value })}
              />
            </label>
            <label className="sub-field">
              <span>Until</span>
              <input
                type="time"
                data-testid="send-window-end"
                value={sendWindow.end}
                aria-invalid={!isLocalTime(sendWindow.end)}
                onChange={(event) => setWindow({ ...sendWindow, end: event.target.value })}
              />
            </label>
          </div>
        )}
        <p className="hint muted" data-testid="send-window-summary">
          {sendWindowSummary(sendWindow)}
        </p>
      </fieldset>
    </section>
  );
}
