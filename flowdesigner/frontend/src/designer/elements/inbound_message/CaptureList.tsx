import { useState } from "react";
import { FieldIssues } from "../../components/FieldIssues";
import { VariableNameInput } from "../../components/VariableNameInput";
import { CAPTURE_SOURCE_LABELS, CAPTURE_SOURCES, isCaptureSource, type Capture } from "../../inbound";

interface CaptureListProps {
  captures: readonly Capture[];
  onChange(captures: Capture[]): void;
  messagesAt(index: number): string[];
}

/** "Save inbound message information in variables": a part of the message, whole or parsed by a pattern. */
export function CaptureList({ captures, onChange, messagesAt }: CaptureListProps) {
  return (
    <fieldset className="field">
      <legend>Save the message in variables</legend>
      {captures.length > 0 && (
        <ol className="button-rows">
          {captures.map((capture, index) => (
            <CaptureRow
              key={index}
              index={index}
              capture={capture}
              messages={messagesAt(index)}
              onChange={(changed) => onChange(captures.with(index, changed))}
              onRemove={() => onChange(captures.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
      )}
      <button
        type="button"
        data-testid="add-capture"
        onClick={() => onChange([...captures, { source: "body", variable: "", pattern: "" }])}
      >
        Add variable
      </button>
    </fieldset>
  );
}

interface CaptureRowProps {
  index: number;
  capture: Capture;
  messages: string[];
  onChange(capture: Capture): void;
  onRemove(): void;
}

function CaptureRow({ index, capture, messages, onChange, onRemove }: CaptureRowProps) {
  // "RegExp parse" with its pattern still empty stores "" (the whole text): remember the choice here so the
  // picker does not jump back to "Whole text" before the pattern is typed.
  const [parsing, setParsing] = useState(capture.pattern !== "");
  const parse = parsing || capture.pattern !== "";
  const testId = `capture-${index}`;
  return (
    <li className="capture-row" data-testid={testId}>
      <label className="sub-field">
        <span>Save</span>
        <select
          data-testid={`${testId}-source`}
          value={capture.source}
          onChange={(event) => onChange({ ...capture, source: event.target.value })}
        >
          {!isCaptureSource(capture.source) && <option value={capture.source}>{capture.source}</option>}
          {CAPTURE_SOURCES.map((source) => (
            <option key={source} value={source}>
              {CAPTURE_SOURCE_LABELS[source]}
            </option>
          ))}
        </select>
      </label>
      <label className="sub-field">
        <span>As</span>
        <select
          data-testid={`${testId}-mode`}
          value={parse ? "parse" : "whole"}
          onChange={(event) => {
            const next = event.target.value === "parse";
            setParsing(next);
            if (!next) {
              onChange({ ...capture, pattern: "" });
            }
          }}
        >
          <option value="whole">Whole text</option>
          <option value="parse">RegExp parse</option>
        </select>
      </label>
      <button type="button" data-testid={`${testId}-remove`} aria-label={`Remove saved variable ${index + 1}`} onClick={onRemove}>
        Remove
      </button>
      {parse && (
        <label className="sub-field capture-pattern">
          <span>Pattern (its first group, or the whole match, is saved; no match saves nothing)</span>
          <input
            className="code"
            data-testid={`${testId}-pattern`}
            value={capture.pattern}
            placeholder="code (\d+)"
            spellCheck={false}
            onChange={(event) => onChange({ ...capture, pattern: event.target.value })}
          />
        </label>
      )}
      <div className="capture-variable">
        <VariableNameInput
          testId={`${testId}-variable`}
          label="Into variable"
          value={capture.variable}
          onChange={(variable) => onChange({ ...capture, variable })}
        />
      </div>
      <FieldIssues messages={messages} />
    </li>
  );
}
