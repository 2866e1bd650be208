import { VariableNameInput } from "../../components/VariableNameInput";
import { TEMPLATE_VARIABLES } from "../message/config";
import type { EditorProps } from "../types";
import {
  BODY_TYPE_LABELS,
  BODY_TYPES,
  headerNameProblem,
  isJsonPath,
  jsonBodyProblem,
  MAX_RETRIES,
  MAX_TIMEOUT,
  METHODS,
  readCallUrl,
  urlProblem,
  type BodyType,
  type Method,
  type Pair,
  type SavedPath,
} from "./config";

export function CallUrlEditor({ config, onChange }: EditorProps) {
  const call = readCallUrl(config);
  const set = (key: string, value: unknown) => onChange({ ...config, [key]: value });
  const noBody = call.method === "GET" || call.method === "DELETE";
  const url = urlProblem(call.url);
  const body = call.body_type === "json" ? jsonBodyProblem(call.body) : null;

  return (
    <>
      <div className="field method-url">
        <label className="sub-field">
          <span>Method</span>
          <select data-testid="field-method" value={call.method} onChange={(event) => set("method", event.target.value as Method)}>
            {METHODS.map((method) => (
              <option key={method} value={method}>
                {method}
              </option>
            ))}
          </select>
        </label>
        <label className="sub-field">
          <span>URL</span>
          <input
            data-testid="field-url"
            type="url"
            value={call.url}
            placeholder="https://api.example.com/orders"
            aria-invalid={url !== null}
            onChange={(event) => set("url", event.target.value)}
          />
        </label>
        {url && <span className="error-text row-problem">{url}</span>}
      </div>
      <p className="hint muted">
        URL, headers and body are templates: {TEMPLATE_VARIABLES.map((name) => `{{ ${name} }}`).join(", ")}.
      </p>

      <PairRows
        legend="Headers"
        noun="header"
        testId="header"
        pairs={call.headers}
        namePlaceholder="Authorization"
        nameProblem={headerNameProblem}
        onChange={(headers) => set("headers", headers)}
      />

      <fieldset className="field">
        <legend>Body</legend>
        <select
          data-testid="field-body-type"
          value={call.body_type}
          onChange={(event) => set("body_type", event.target.value as BodyType)}
        >
          {BODY_TYPES.map((type) => (
            <option key={type} value={type}>
              {BODY_TYPE_LABELS[type]}
            </option>
          ))}
        </select>
        {noBody && call.body_type !== "none" && (
          <span className="error-text">A {call.method} request has no body; choose POST, PUT or PATCH, or no body.</span>
        )}
        {call.body_type === "json" && (
          <>
            <textarea
              data-testid="field-body"
              className="code"
              rows={6}
              value={call.body}
              aria-invalid={body !== null}
              onChange={(event) => set("body", event.target.value)}
            />
            {body && <span className="error-text">{body}</span>}
          </>
        )}
        {call.body_type === "form" && (
          <PairRows
            noun="field"
            testId="form-field"
            pairs={call.form}
            namePlaceholder="email"
            nameProblem={(name) => (name.trim() ? null : "A form field needs a name.")}
            onChange={(form) => set("form", form)}
          />
        )}
      </fieldset>

      <div className="field-pair">
        <label className="sub-field">
          <span>Timeout (seconds)</span>
          <input
            type="number"
            data-testid="field-timeout-seconds"
            min={1}
            max={MAX_TIMEOUT}
            step="any"
            value={call.timeout_seconds}
            aria-invalid={!(call.timeout_seconds > 0 && call.timeout_seconds <= MAX_TIMEOUT)}
            onChange={(event) => set("timeout_seconds", Number.isFinite(event.target.valueAsNumber) ? event.target.valueAsNumber : 0)}
          />
        </label>
        <label className="sub-field">
          <span>Retries</span>
          <input
            type="number"
            data-testid="field-retries"
            min={0}
            max={MAX_RETRIES}
            step={1}
            value={call.retries}
            aria-invalid={!(call.retries >= 0 && call.retries <= MAX_RETRIES)}
            onChange={(event) =>
              set("retries", Number.isFinite(event.target.valueAsNumber) ? Math.trunc(event.target.valueAsNumber) : 0)
            }
          />
        </label>
      </div>
      <p className="hint muted">
        Up to {MAX_TIMEOUT} s per attempt and {MAX_RETRIES} retries. A 2xx answer leaves through “success”, anything else
        through “failure”.
      </p>

      <fieldset className="field">
        <legend>Save the response</legend>
        <VariableNameInput
          testId="field-status-variable"
          label="HTTP status into variable"
          optional
          value={call.status_variable}
          onChange={(name) => set("status_variable", name)}
        />
        <SavedPaths save={call.save} onChange={(save) => set("save", save)} />
      </fieldset>
    </>
  );
}

interface PairRowsProps {
  legend?: string;
  noun: string;
  testId: string;
  pairs: Pair[];
  namePlaceholder: string;
  nameProblem(name: string): string | null;
  onChange(pairs: Pair[]): void;
}

/** Name and value rows (headers, form fields), the value a template. */
function PairRows({ legend, noun, testId, pairs, namePlaceholder, nameProblem, onChange }: PairRowsProps) {
  const rows = (
    <>
      {pairs.length > 0 && (
        <ol className="button-rows">
          {pairs.map((pair, index) => {
            const problem = nameProblem(pair.name);
            return (
              <li key={index} className="row-pair">
                <input
                  data-testid={`${testId}-name-${index}`}
                  aria-label={`${noun} ${index + 1} name`}
                  value={pair.name}
                  placeholder={namePlaceholder}
                  aria-invalid={problem !== null}
                  onChange={(event) => onChange(pairs.with(index, { ...pair, name: event.target.value }))}
                />
                <input
                  data-testid={`${testId}-value-${index}`}
                  aria-label={`${noun} ${index + 1} value`}
                  value={pair.value}
                  placeholder="value or {{ … }}"
                  onChange={(event) => onChange(pairs.with(index, { ...pair, value: event.target.value }))}
                />
                <button
                  type="button"
                  data-testid={`remove-${testId}-${index}`}
                  aria-label={`Remove ${noun} ${index + 1}`}
                  onClick={() => onChange(pairs.filter((_, other) => other !== index))}
                >
                  Remove
                </button>
                {problem && <span className="error-text row-problem">{problem}</span>}
              </li>
            );
          })}
        </ol>
      )}
      <button type="button" data-testid={`add-${testId}`} onClick={() => onChange([...pairs, { name: "", value: "" }])}>
        Add {noun}
      </button>
    </>
  );
  return legend ? (
    <fieldset className="field">
      <legend>{legend}</legend>
      {rows}
    </fieldset>
  ) : (
    rows
  );
}

/** JSON path → variable rows: values picked from a JSON response. */
function SavedPaths({ save, onChange }: { save: SavedPath[]; onChange(save: SavedPath[]): void }) {
  return (
    <>
      {save.length > 0 && (
        <ol className="button-rows">
          {save.map((item, index) => (
            <li key={index} className="mapping-row">
              <label className="sub-field">
                <span>JSON path</span>
                <input
                  data-testid={`call-save-path-${index}`}
                  value={item.path}
                  placeholder="$.data.id"
                  aria-invalid={item.path !== "" && !isJsonPath(item.path)}
                  onChange={(event) => onChange(save.with(index, { ...item, path: event.target.value }))}
                />
              </label>
              <VariableNameInput
                testId={`call-save-variable-${index}`}
                label="Into variable"
                value={item.variable}
                onChange={(variable) => onChange(save.with(index, { ...item, variable }))}
              />
              <button
                type="button"
                data-testid={`remove-call-save-${index}`}
                aria-label={`Remove saved value ${index + 1}`}
                onClick={() => onChange(save.filter((_, other) => other !== index))}
              >
                Remove
              </button>
              {item.path !== "" && !isJsonPath(item.path) && (
                <span className="error-text row-problem">Write a JSON path such as $.data.items[0].name</span>
              )}
            </li>
          ))}
        </ol>
      )}
      <button type="button" data-testid="add-call-save" onClick={() => onChange([...save, { path: "", variable: "" }])}>
        Save a value from the response
      </button>
    </>
  );
}
