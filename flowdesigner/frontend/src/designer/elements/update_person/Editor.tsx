import { useState } from "react";
import type { AttributeInfo } from "../../../segments/types";
import { coerceValue, valueText } from "../../../segments/subjects";
import { useOperatorTable } from "../../catalog";
import { VariableNameInput } from "../../components/VariableNameInput";
import { STANDARD_ATTRIBUTE_KEYS } from "../form_message/config";
import { TEMPLATE_VARIABLES } from "../message/config";
import type { EditorProps } from "../types";
import {
  duplicateAttributes,
  listValue,
  numberValue,
  readUpdates,
  SOURCE_LABELS,
  SOURCES,
  writeUpdate,
  type AttributeUpdate,
  type Source,
} from "./config";

export function UpdatePersonEditor({ config, onChange }: EditorProps) {
  const updates = readUpdates(config);
  const table = useOperatorTable();
  // Standard attributes a flow may write (not created_at/updated_at), then the custom ones.
  const attributes =
    table.status === "loaded"
      ? table.value.attributes.filter((info) => !info.standard || STANDARD_ATTRIBUTE_KEYS.includes(info.key))
      : [];
  const duplicates = duplicateAttributes(updates);
  const setUpdates = (next: AttributeUpdate[]) => onChange({ ...config, updates: next.map(writeUpdate) });

  return (
    <fieldset className="field">
      <legend>Attributes</legend>
      {table.status === "failed" && <span className="error-text">Attributes could not be loaded: {table.error}</span>}
      <ol className="button-rows">
        {updates.map((update, index) => (
          <UpdateRow
            key={index}
            index={index}
            update={update}
            attributes={attributes}
            loaded={table.status === "loaded"}
            duplicate={duplicates.includes(update.attribute.trim())}
            onChange={(changed) => setUpdates(updates.with(index, changed))}
            onRemove={() => setUpdates(updates.filter((_, other) => other !== index))}
          />
        ))}
      </ol>
      <button
        type="button"
        data-testid="add-update"
        onClick={() => setUpdates([...updates, { attribute: "", action: "set", source: "value", value: "" }])}
      >
        Add attribute
      </button>
    </fieldset>
  );
}

interface UpdateRowProps {
  index: number;
  update: AttributeUpdate;
  attributes: AttributeInfo[];
  loaded: boolean;
  duplicate: boolean;
  onChange(update: AttributeUpdate): void;
  onRemove(): void;
}

function UpdateRow({ index, update, attributes, loaded, duplicate, onChange, onRemove }: UpdateRowProps) {
  const info = attributes.find((attribute) => attribute.key === update.attribute);
  return (
    <li className="update-row">
      <label className="sub-field">
        <span>Attribute</span>
        {loaded ? (
          <select
            data-testid={`update-attribute-${index}`}
            value={update.attribute}
            aria-invalid={!update.attribute || duplicate}
            onChange={(event) => onChange({ ...update, attribute: event.target.value, value: "" })}
          >
            <option value="">Choose…</option>
            {attributes.map((attribute) => (
              <option key={attribute.key} value={attribute.key}>
                {attribute.label} ({attribute.key})
              </option>
            ))}
            {update.attribute && !info && <option value={update.attribute}>{update.attribute} (unknown)</option>}
          </select>
        ) : (
          <input
            data-testid={`update-attribute-${index}`}
            value={update.attribute}
            placeholder="city"
            onChange={(event) => onChange({ ...update, attribute: event.target.value })}
          />
        )}
      </label>
      <button type="button" data-testid={`remove-update-${index}`} aria-label={`Remove update ${index + 1}`} onClick={onRemove}>
        Remove
      </button>
      <label className="sub-field update-action">
        <span>Action</span>
        <select
          data-testid={`update-action-${index}`}
          value={update.action === "clear" ? "clear" : update.source}
          onChange={(event) => {
            const choice = event.target.value;
            onChange(
              choice === "clear"
                ? { ...update, action: "clear" }
                : { ...update, action: "set", source: choice as Source, value: choice === update.source ? update.value : "" },
            );
          }}
        >
          {SOURCES.map((source) => (
            <option key={source} value={source}>
              Set {SOURCE_LABELS[source]}
            </option>
          ))}
          <option value="clear">Clear it</option>
        </select>
      </label>
      {update.action === "set" && (
        <div className="update-value">
          {update.source === "value" && (
            <ConstantInput
              // A list's typed text belongs to its attribute.
              key={update.attribute}
              testId={`update-value-${index}`}
              dataType={info?.data_type}
              value={update.value}
              onChange={(value) => onChange({ ...update, value })}
            />
          )}
          {update.source === "variable" && (
            <VariableNameInput
              testId={`update-value-${index}`}
              label="Variable"
              value={typeof update.value === "string" ? update.value : ""}
              onChange={(value) => onChange({ ...update, value })}
            />
          )}
          {update.source === "template" && (
            <label className="sub-field">
              <span>Template</span>
              <textarea
                data-testid={`update-value-${index}`}
                rows={2}
                value={typeof update.value === "string" ? update.value : ""}
                placeholder="{{ variables.city|title }}"
                title={`Variables: ${TEMPLATE_VARIABLES.join(", ")}`}
                onChange={(event) => onChange({ ...update, value: event.target.value })}
              />
            </label>
          )}
        </div>
      )}
      {duplicate && <span className="error-text row-problem">This attribute is updated twice.</span>}
    </li>
  );
}

interface ConstantInputProps {
  testId: string;
  dataType: string | undefined;
  value: unknown;
  onChange(value: unknown): void;
}

/** The value to store, in the attribute's type: true/false, a number, a date, a moment, list items, text. */
function ConstantInput({ testId, dataType, value, onChange }: ConstantInputProps) {
  const label = "Value";
  switch (dataType) {
    case "BOOLEAN":
      return (
        <label className="sub-field">
          <span>{label}</span>
          <select
            data-testid={testId}
            value={value === true ? "true" : value === false ? "false" : ""}
            onChange={(event) => onChange(event.target.value === "" ? "" : event.target.value === "true")}
          >
            <option value="">Choose…</option>
            <option value="true">Yes</option>
            <option value="false">No</option>
          </select>
        </label>
      );
    case "NUMBER":
      return (
        <label className="sub-field">
          <span>{label}</span>
          <input
            data-testid={testId}
            inputMode="decimal"
            value={value === undefined || value === null ? "" : String(value)}
            onChange={(event) => onChange(numberValue(event.target.value))}
          />
        </label>
      );
    case "DATE":
      return (
        <label className="sub-field">
          <span>{label}</span>
          <input
            type="date"
            data-testid={testId}
            value={typeof value === "string" ? value : ""}
            onChange={(event) => onChange(event.target.value)}
          />
        </label>
      );
    case "DATETIME":
      return (
        <label className="sub-field">
          <span>{label} (your local time)</span>
          <input
            type="datetime-local"
            data-testid={testId}
            value={valueText("datetime-local", value)}
            onChange={(event) => onChange(coerceValue("datetime-local", event.target.value) ?? "")}
          />
        </label>
      );
    case "LIST":
      return <ListInput testId={testId} value={value} onChange={onChange} />;
    default:
      return (
        <label className="sub-field">
          <span>{label}</span>
          <input
            data-testid={testId}
            value={typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value)}
            onChange={(event) => onChange(event.target.value)}
          />
        </label>
      );
  }
}

/** List items typed comma-separated; the text is kept while typing so "golf, " does not lose its comma. */
function ListInput({ testId, value, onChange }: { testId: string; value: unknown; onChange(value: string[]): void }) {
  const [text, setText] = useState(() =>
    Array.isArray(value) ? value.join(", ") : typeof value === "string" ? value : "",
  );
  return (
    <label className="sub-field">
      <span>Items, separated by commas</span>
      <input
        data-testid={testId}
        value={text}
        placeholder="golf, tennis"
        onChange={(event) => {
          setText(event.target.value);
          onChange(listValue(event.target.value));
        }}
      />
    </label>
  );
}
