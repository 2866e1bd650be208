import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { RecipientPicker } from "../../components/RecipientPicker";
import { VariableNameInput } from "../../components/VariableNameInput";
import type { EditorProps } from "../types";
import { CALL_FIELD_LABELS, CALL_FIELDS, readInboundCall, withCallVariable } from "./config";

export function InboundCallEditor({ nodeId, config, onChange }: EditorProps) {
  const call = readInboundCall(config);
  const issuesAt = useIssuesAt(nodeId);
  return (
    <>
      <p className="hint muted">A person enters when they call one of our voice numbers.</p>
      <RecipientPicker
        testId="field-recipient"
        kind="voice"
        value={call.recipient}
        onChange={(recipient) => onChange({ ...config, recipient })}
        messages={issuesAt("config.recipient")}
      />
      <fieldset className="field">
        <legend>Save the call in variables</legend>
        {CALL_FIELDS.map((field) => (
          <div key={field}>
            <VariableNameInput
              testId={`call-variable-${field}`}
              label={CALL_FIELD_LABELS[field]}
              optional
              value={call.variables[field]}
              onChange={(variable) => onChange(withCallVariable(config, field, variable))}
            />
            <FieldIssues messages={issuesAt(`config.variables.${field}`)} />
          </div>
        ))}
      </fieldset>
    </>
  );
}
