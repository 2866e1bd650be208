import { useEffect, useState } from "react";
import { describeError } from "../../../shared/http";
import { useDesigner } from "../../context";
import { ChannelField } from "../message/ChannelField";
import { MessageOptions } from "../message/options";
import { ReplyTimeoutField } from "../message/ReplyTimeout";
import { TEMPLATE_VARIABLES } from "../message/config";
import type { EditorProps } from "../types";
import {
  attributeOptions,
  DEFAULT_NEGATIVE_CAPTION,
  DEFAULT_POSITIVE_CAPTION,
  readFormMessage,
  switchSaveToKind,
  switchWidgetType,
  type SaveTo,
} from "./config";
import { WidgetEditor } from "./WidgetEditor";
import { WIDGET_LABELS, WIDGET_TYPES, type WidgetType } from "./widgets";

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function FormMessageEditor({ nodeId, config, onChange }: EditorProps) {
  const form = readFormMessage(config);

  return (
    <>
      <ChannelField nodeId={nodeId} config={config} onChange={onChange} />

      <label className="field">
        <span>Text</span>
        <textarea
          data-testid="field-text"
          rows={4}
          value={form.text}
          aria-describedby="form-variables"
          onChange={(event) => onChange({ ...config, text: event.target.value })}
        />
      </label>
      <p id="form-variables" className="hint muted" data-testid="variables-hint">
        Variables: {TEMPLATE_VARIABLES.map((name) => `{{ ${name} }}`).join(", ")}
      </p>

      <fieldset className="field">
        <legend>Widget</legend>
        <label className="sub-field">
          <span>Type</span>
          <select
            data-testid="field-widget-type"
            value={form.widget.type}
            onChange={(event) => onChange(switchWidgetType(config, event.target.value as WidgetType))}
          >
            {WIDGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {WIDGET_LABELS[type]}
              </option>
            ))}
          </select>
        </label>
        <WidgetEditor widget={form.widget} onChange={(widget) => onChange({ ...config, widget })} />
      </fieldset>

      <fieldset className="field">
        <legend>Buttons</legend>
        <div className="field-pair">
          <label className="sub-field">
            <span>Positive caption</span>
            <input
              data-testid="field-positive-caption"
              value={form.positive_caption}
              placeholder={DEFAULT_POSITIVE_CAPTION}
              onChange={(event) => onChange({ ...config, positive_caption: event.target.value })}
            />
          </label>
          <label className="sub-field">
            <span>Confirmation (optional)</span>
            <input
              data-testid="field-positive-confirmation"
              value={form.positive_confirmation}
              placeholder="Are you sure?"
              onChange={(event) => onChange({ ...config, positive_confirmation: event.target.value })}
            />
          </label>
        </div>
        <div className="field-pair">
          <label className="sub-field">
            <span>Negative caption</span>
            <input
              data-testid="field-negative-caption"
              value={form.negative_caption}
              placeholder={DEFAULT_NEGATIVE_CAPTION}
              onChange={(event) => onChange({ ...config, negative_caption: event.target.value })}
            />
          </label>
          <label className="sub-field">
            <span>Confirmation (optional)</span>
            <input
              data-testid="field-negative-confirmation"
              value={form.negative_confirmation}
              onChange={(event) => onChange({ ...config, negative_confirmation: event.target.value })}
            />
          </label>
        </div>
      </fieldset>

      <SaveToField saveTo={form.save_to} onChange={(saveTo) => onChange({ ...config, save_to: saveTo })} />

      <ReplyTimeoutField config={config} onChange={onChange} />

      <MessageOptions config={config} onChange={onChange} />
    </>
  );
}

function SaveToField({ saveTo, onChange }: { saveTo: SaveTo; onChange(saveTo: SaveTo): void }) {
  const kind = saveTo?.kind ?? "none";
  const nameProblem =
    saveTo?.kind === "variable" && !VARIABLE_NAME.test(saveTo.name)
      ? "Use letters, digits and _, not starting with a digit."
      : null;
  return (
    <fieldset className="field">
      <legend>Save the answer</legend>
      <label className="sub-field">
        <span>Into</span>
        <select
          data-testid="field-save-to-kind"
          value={kind}
          onChange={(event) => onChange(switchSaveToKind(saveTo, event.target.value as "none" | "variable" | "attribute"))}
        >
          <option value="none">Nowhere (results only)</option>
          <option value="variable">A flow variable</option>
          <option value="attribute">A person attribute</option>
        </select>
      </label>
      {saveTo?.kind === "variable" && (
        <label className="sub-field">
          <span>Variable name</span>
          <input
            data-testid="field-save-to-name"
            value={saveTo.name}
            placeholder="answer"
            aria-invalid={nameProblem !== null}
            aria-describedby={nameProblem ? "save-to-name-error" : undefined}
            onChange={(event) => onChange({ ...saveTo, name: event.target.value })}
          />
          {nameProblem && (
            <span id="save-to-name-error" className="error-text">
              {nameProblem}
            </span>
          )}
        </label>
      )}
      {saveTo?.kind === "attribute" && (
        <AttributeSelect value={saveTo.key} onChange={(key) => onChange({ ...saveTo, key })} />
      )}
    </fieldset>
  );
}

function AttributeSelect({ value, onChange }: { value: string; onChange(key: string): void }) {
  const { api } = useDesigner();
  const [custom, setCustom] = useState<Array<{ key: string; label: string }>>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.attributes().then(
      (attributes) => live && setCustom(attributes),
      (failure: unknown) => live && setError(describeError(failure)),
    );
    return () => {
      live = false;
    };
  }, [api]);
  const options = attributeOptions(custom);
  return (
    <label className="sub-field">
      <span>Attribute</span>
      <select data-testid="field-save-to-key" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">Choose an attribute…</option>
        {options.map(([key, label]) => (
          <option key={key} value={key}>
            {label} ({key})
          </option>
        ))}
        {value && !options.some(([key]) => key === value) && <option value={value}>{value} (unknown)</option>}
      </select>
      {error && <span className="error-text">Custom attributes could not be loaded: {error}</span>}
    </label>
  );
}
