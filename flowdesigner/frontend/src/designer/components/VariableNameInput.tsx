import { useId } from "react";
import { useDesigner } from "../context";
import { isVariableName, NAME_RULE, VARIABLE_TYPE_LABELS } from "../variables";

interface VariableNameInputProps {
  testId: string;
  label: string;
  value: string;
  onChange(name: string): void;
  /** An empty name is allowed (the field is optional). */
  optional?: boolean;
  placeholder?: string;
}

/**
 * A flow variable's name: the declared ones are suggested; another valid name may be typed (and declared
 * later in the flow settings, which the label reminds of). Shows the naming rule when the name breaks it.
 */
export function VariableNameInput({ testId, label, value, onChange, optional = false, placeholder }: VariableNameInputProps) {
  const { variables } = useDesigner();
  const listId = useId();
  const errorId = useId();
  const problem = (value !== "" || !optional) && !isVariableName(value) ? NAME_RULE : null;
  const undeclared = value !== "" && problem === null && !variables.some((variable) => variable.name === value);
  return (
    <label className="sub-field">
      <span>
        {label}
        {undeclared && <span className="muted"> · not declared in the flow settings</span>}
      </span>
      <input
        data-testid={testId}
        list={listId}
        value={value}
        placeholder={placeholder ?? (optional ? "(none)" : "variable_name")}
        aria-invalid={problem !== null}
        aria-describedby={problem ? errorId : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <datalist id={listId}>
        {variables.map((variable) => (
          <option key={variable.name} value={variable.name}>
            {VARIABLE_TYPE_LABELS[variable.type]}
          </option>
        ))}
      </datalist>
      {problem && (
        <span id={errorId} className="error-text">
          {problem}
        </span>
      )}
    </label>
  );
}
