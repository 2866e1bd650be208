import { useState } from "react";
import { epochToInput, inputStep, inputToEpoch, inputType } from "../../../shared/dates";
import { isObject } from "../../../shared/http";
import type { Widget } from "./config";
import {
  choicesProblem,
  DATE_MODE_LABELS,
  DATE_MODES,
  MINUTE_INTERVALS,
  photoQualityProblem,
  PHOTO_QUALITIES,
  sliderInitial,
  type Choice,
  type DateMode,
} from "./widgets";

interface WidgetEditorProps {
  widget: Widget;
  onChange(widget: Widget): void;
}

const num = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;
const numOrNull = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;
const text = (value: unknown): string => (typeof value === "string" ? value : "");
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

export function readChoices(value: unknown): Choice[] {
  return Array.isArray(value)
    ? value.filter(isObject).map((choice) => ({ ...choice, value: text(choice.value), label: text(choice.label) }))
    : [];
}

/** The options of the widget's type; each field edits one option. */
export function WidgetEditor({ widget, onChange }: WidgetEditorProps) {
  const set = (option: string, value: unknown) => onChange({ ...widget, [option]: value });

  switch (widget.type) {
    case "text_line":
    case "text_block":
    case "auto_complete":
      return (
        <>
          <NumberField label="Maximum characters" option="max_chars" value={num(widget.max_chars, 50)} min={1} integer onChange={set} />
          <TextField label="Placeholder" option="placeholder" value={text(widget.placeholder)} onChange={set} />
          <TextField label="Initial value" option="value" value={text(widget.value)} onChange={set} />
          {widget.type === "auto_complete" && (
            <SuggestionList suggestions={strings(widget.suggestions)} onChange={(next) => set("suggestions", next)} />
          )}
        </>
      );
    case "single_select": {
      const choices = readChoices(widget.choices);
      const value = typeof widget.value === "string" ? widget.value : null;
      return (
        <>
          <ChoiceList choices={choices} onChange={(next) => set("choices", next)} />
          <label className="sub-field">
            <span>Preselected</span>
            <select
              data-testid="widget-value"
              value={value ?? ""}
              onChange={(event) => set("value", event.target.value === "" ? null : event.target.value)}
            >
              <option value="">None</option>
              {choices
                .filter((choice) => choice.value !== "")
                .map((choice, index) => (
                  <option key={index} value={choice.value}>
                    {choice.label || choice.value}
                  </option>
                ))}
            </select>
          </label>
        </>
      );
    }
    case "multi_select": {
      const choices = readChoices(widget.choices);
      const values = strings(widget.values);
      return (
        <>
          <ChoiceList choices={choices} onChange={(next) => set("choices", next)} />
          <fieldset className="sub-field choice-list" data-testid="widget-values">
            <legend>Preselected</legend>
            {choices.length === 0 && <span className="muted">Add choices first.</span>}
            {choices
              .filter((choice) => choice.value !== "")
              .map((choice, index) => (
                <label key={index}>
                  <input
                    type="checkbox"
                    data-testid={`widget-values-${index}`}
                    checked={values.includes(choice.value)}
                    onChange={(event) =>
                      set(
                        "values",
                        event.target.checked
                          ? [...values, choice.value]
                          : values.filter((other) => other !== choice.value),
                      )
                    }
                  />
                  {choice.label || choice.value}
                </label>
              ))}
          </fieldset>
        </>
      );
    }
    case "date_select": {
      const mode: DateMode = DATE_MODES.includes(widget.mode as DateMode) ? (widget.mode as DateMode) : "date";
      const minuteInterval = num(widget.minute_interval, 1);
      const dateInput = (label: string, option: string) => (
        <label className="sub-field">
          <span>{label}</span>
          <input
            type={inputType(mode)}
            data-testid={`widget-${option}`}
            step={inputStep(mode, minuteInterval)}
            value={epochToInput(numOrNull(widget[option]), mode)}
            onChange={(event) => set(option, inputToEpoch(event.target.value, mode))}
          />
        </label>
      );
      return (
        <>
          <label className="sub-field">
            <span>Mode</span>
            <select data-testid="widget-mode" value={mode} onChange={(event) => set("mode", event.target.value)}>
              {DATE_MODES.map((option) => (
                <option key={option} value={option}>
                  {DATE_MODE_LABELS[option]}
                </option>
              ))}
            </select>
          </label>
          {dateInput("Earliest (optional)", "min_date")}
          {dateInput("Latest (optional)", "max_date")}
          {dateInput("Initial value (optional)", "date")}
          {mode !== "date" && (
            <label className="sub-field">
              <span>Minute interval</span>
              <select
                data-testid="widget-minute_interval"
                value={minuteInterval}
                onChange={(event) => set("minute_interval", Number(event.target.value))}
              >
                {!(MINUTE_INTERVALS as readonly number[]).includes(minuteInterval) && (
                  <option value={minuteInterval}>{minuteInterval} (not allowed)</option>
                )}
                {MINUTE_INTERVALS.map((minutes) => (
                  <option key={minutes} value={minutes}>
                    Every {minutes === 1 ? "minute" : `${minutes} minutes`}
                  </option>
                ))}
              </select>
            </label>
          )}
          <TextField label="Unit (optional)" option="unit" value={text(widget.unit)} onChange={set} />
          <p className="hint muted">Dates and times are in UTC, as Rogerthat stores them.</p>
        </>
      );
    }
    case "slider":
    case "range_slider":
      return (
        <>
          <div className="field-pair">
            <NumberField label="Minimum" option="min" value={num(widget.min, 0)} onChange={set} />
            <NumberField label="Maximum" option="max" value={num(widget.max, 10)} onChange={set} />
          </div>
          <div className="field-pair">
            <NumberField label="Step" option="step" value={num(widget.step, 1)} min={0} onChange={set} />
            <NumberField label="Decimals" option="precision" value={num(widget.precision, 0)} min={0} max={10} integer onChange={set} />
          </div>
          <TextField label="Unit" option="unit" value={text(widget.unit)} placeholder="km, or <value> km" onChange={set} />
          {widget.type === "slider" ? (
            <NumberField label="Initial value" option="value" value={sliderInitial(widget, "value")} onChange={set} />
          ) : (
            <div className="field-pair">
              <NumberField label="Initial low" option="low_value" value={sliderInitial(widget, "low_value")} onChange={set} />
              <NumberField label="Initial high" option="high_value" value={sliderInitial(widget, "high_value")} onChange={set} />
            </div>
          )}
        </>
      );
    case "photo_upload": {
      const quality = text(widget.quality) || "best";
      const problem = photoQualityProblem(quality);
      return (
        <>
          <label className="sub-field">
            <span>Quality</span>
            <input
              data-testid="widget-quality"
              list="photo-qualities"
              value={quality}
              aria-invalid={problem !== null}
              onChange={(event) => set("quality", event.target.value)}
            />
            <datalist id="photo-qualities">
              {PHOTO_QUALITIES.map((option) => (
                <option key={option} value={option} />
              ))}
            </datalist>
            {problem && <span className="error-text">{problem}</span>}
          </label>
          <label className="check">
            <input type="checkbox" data-testid="widget-gallery" checked={widget.gallery !== false} onChange={(event) => set("gallery", event.target.checked)} />
            Allow a photo from the gallery
          </label>
          <label className="check">
            <input type="checkbox" data-testid="widget-camera" checked={widget.camera !== false} onChange={(event) => set("camera", event.target.checked)} />
            Allow taking a photo with the camera
          </label>
          <TextField label="Crop ratio (optional)" option="ratio" value={text(widget.ratio)} placeholder="4x3" onChange={set} />
        </>
      );
    }
    case "gps_location":
      return (
        <label className="check">
          <input type="checkbox" data-testid="widget-gps" checked={widget.gps !== false} onChange={(event) => set("gps", event.target.checked)} />
          Ask for a precise (GPS) location
        </label>
      );
  }
}

interface TextFieldProps {
  label: string;
  option: string;
  value: string;
  placeholder?: string;
  onChange(option: string, value: string): void;
}

function TextField({ label, option, value, placeholder, onChange }: TextFieldProps) {
  return (
    <label className="sub-field">
      <span>{label}</span>
      <input data-testid={`widget-${option}`} value={value} placeholder={placeholder} onChange={(event) => onChange(option, event.target.value)} />
    </label>
  );
}

interface NumberFieldProps {
  label: string;
  option: string;
  value: number;
  min?: number;
  max?: number;
  integer?: boolean;
  onChange(option: string, value: number): void;
}

/** A number option: a half-typed number ("-", "1.") stays in the input until it is a number again. */
function NumberField({ label, option, value, min, max, integer = false, onChange }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const problem = draft === null ? null : `Enter ${integer ? "a whole number" : "a number"}.`;
  return (
    <label className="sub-field">
      <span>{label}</span>
      <input
        type="number"
        inputMode={integer ? "numeric" : "decimal"}
        data-testid={`widget-${option}`}
        value={draft ?? String(value)}
        min={min}
        max={max}
        step={integer ? 1 : "any"}
        aria-invalid={problem !== null}
        onChange={(event) => {
          const typed = event.target.value;
          const parsed = typed.trim() === "" ? Number.NaN : Number(typed);
          if (Number.isFinite(parsed) && (!integer || Number.isInteger(parsed))) {
            setDraft(null);
            onChange(option, parsed);
          } else {
            setDraft(typed);
          }
        }}
      />
      {problem && <span className="error-text">{problem}</span>}
    </label>
  );
}

function ChoiceList({ choices, onChange }: { choices: Choice[]; onChange(choices: Choice[]): void }) {
  const problem = choicesProblem(choices);
  return (
    <div className="sub-field">
      <span>Choices</span>
      {choices.length > 0 && (
        <ol className="button-rows">
          {choices.map((choice, index) => (
            <li key={index} className="choice-row">
              <input
                data-testid={`choice-value-${index}`}
                aria-label={`Value of choice ${index + 1}`}
                placeholder="value"
                value={choice.value}
                onChange={(event) => onChange(choices.with(index, { ...choice, value: event.target.value }))}
              />
              <input
                data-testid={`choice-label-${index}`}
                aria-label={`Label of choice ${index + 1}`}
                placeholder="Label"
                value={choice.label}
                onChange={(event) => onChange(choices.with(index, { ...choice, label: event.target.value }))}
              />
              <button
                type="button"
                data-testid={`remove-choice-${index}`}
                aria-label={`Remove choice ${index + 1}`}
                onClick={() => onChange(choices.filter((_, other) => other !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
      )}
      {problem && <span className="error-text">{problem}</span>}
      <button type="button" data-testid="add-choice" onClick={() => onChange([...choices, { value: "", label: "" }])}>
        Add choice
      </button>
    </div>
  );
}

function SuggestionList({ suggestions, onChange }: { suggestions: string[]; onChange(next: string[]): void }) {
  return (
    <div className="sub-field">
      <span>Suggestions</span>
      {suggestions.length > 0 && (
        <ol className="button-rows">
          {suggestions.map((suggestion, index) => (
            <li key={index} className="choice-row">
              <input
                data-testid={`suggestion-${index}`}
                aria-label={`Suggestion ${index + 1}`}
                value={suggestion}
                onChange={(event) => onChange(suggestions.with(index, event.target.value))}
              />
              <button
                type="button"
                data-testid={`remove-suggestion-${index}`}
                aria-label={`Remove suggestion ${index + 1}`}
                onClick={() => onChange(suggestions.filter((_, other) => other !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
      )}
      <button type="button" data-testid="add-suggestion" onClick={() => onChange([...suggestions, ""])}>
        Add suggestion
      </button>
    </div>
  );
}
