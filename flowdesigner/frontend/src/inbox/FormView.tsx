import { useId, useState, type ReactNode } from "react";
import { epochToInput, inputStep, inputType } from "../shared/dates";
import { describeError } from "../shared/http";
import { formatSize } from "../shared/format";
import { ConfirmDialog } from "./ConfirmDialog";
import {
  dateDraft,
  formatRange,
  formatSliderValue,
  initialDraft,
  locationErrorMessage,
  locationValue,
  orderRange,
  photoCapture,
  sliderValue,
  submission,
  toggleChoice,
  type Draft,
  type FormSpec,
  type FormWidget,
  type Upload,
} from "./forms";
import type { Answer } from "./types";

interface FormViewProps {
  /** The id of the element that names the widget (the message text: the question asked). */
  labelId: string;
  form: FormSpec;
  onAnswer(answer: Answer): Promise<void>;
  upload(file: File): Promise<Upload>;
}

type Button = "positive" | "negative";

/** A form message's widget and its positive and negative buttons. */
export function FormView({ labelId, form, onAnswer, upload }: FormViewProps) {
  const [draft, setDraft] = useState<Draft>(() => initialDraft(form.widget));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<Button | null>(null);
  const errorId = useId();

  async function submit(button: Button) {
    let answer: Answer;
    if (button === "positive") {
      const result = submission(form.widget, draft);
      if (!result.ok) {
        setError(result.problem);
        return;
      }
      answer = { form: { button, value: result.value } };
    } else {
      answer = { form: { button } };
    }
    setBusy(true);
    setError(null);
    try {
      await onAnswer(answer);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }

  function press(button: Button) {
    if (busy) {
      return;
    }
    const confirmation = button === "positive" ? form.positive_confirmation : form.negative_confirmation;
    if (confirmation.trim()) {
      setConfirming(button);
    } else {
      void submit(button);
    }
  }

  return (
    <div className="form-widget" data-widget={form.widget.type}>
      <WidgetControl
        widget={form.widget}
        draft={draft}
        labelId={labelId}
        describedBy={error ? errorId : undefined}
        disabled={busy}
        onDraft={(next) => {
          setDraft(next);
          setError(null);
        }}
        onBusy={setBusy}
        upload={upload}
      />
      {error && (
        <p id={errorId} className="error-text form-error" data-testid="form-error" role="alert">
          {error}
        </p>
      )}
      <div className="answer-buttons form-buttons">
        <button
          type="button"
          className="answer-button negative"
          data-testid="form-negative"
          disabled={busy}
          aria-haspopup={form.negative_confirmation.trim() ? "dialog" : undefined}
          onClick={() => press("negative")}
        >
          {form.negative_caption}
        </button>
        <button
          type="button"
          className="answer-button chosen"
          data-testid="form-positive"
          disabled={busy}
          aria-haspopup={form.positive_confirmation.trim() ? "dialog" : undefined}
          onClick={() => press("positive")}
        >
          {form.positive_caption}
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          text={confirming === "positive" ? form.positive_confirmation : form.negative_confirmation}
          onNo={() => setConfirming(null)}
          onYes={() => {
            const button = confirming;
            setConfirming(null);
            void submit(button);
          }}
        />
      )}
    </div>
  );
}

interface WidgetControlProps {
  widget: FormWidget;
  draft: Draft;
  labelId: string;
  describedBy: string | undefined;
  disabled: boolean;
  onDraft(draft: Draft): void;
  onBusy(busy: boolean): void;
  upload(file: File): Promise<Upload>;
}

function WidgetControl({ widget, draft, labelId, describedBy, disabled, onDraft, onBusy, upload }: WidgetControlProps) {
  const common = { "aria-labelledby": labelId, "aria-describedby": describedBy, disabled };
  switch (widget.type) {
    case "text_line":
    case "auto_complete": {
      const text = draft.type === "text" ? draft.text : "";
      const listId = `${labelId}-suggestions`;
      return (
        <>
          <input
            {...common}
            className="widget-text"
            data-testid="widget-input"
            value={text}
            maxLength={widget.max_chars}
            placeholder={widget.placeholder}
            list={widget.type === "auto_complete" ? listId : undefined}
            autoComplete="off"
            onChange={(event) => onDraft({ type: "text", text: event.target.value })}
          />
          {widget.type === "auto_complete" && (
            <datalist id={listId}>
              {widget.suggestions.map((suggestion) => (
                <option key={suggestion} value={suggestion} />
              ))}
            </datalist>
          )}
        </>
      );
    }
    case "text_block": {
      const text = draft.type === "text" ? draft.text : "";
      return (
        <>
          <textarea
            {...common}
            className="widget-text"
            data-testid="widget-input"
            rows={4}
            value={text}
            maxLength={widget.max_chars}
            placeholder={widget.placeholder}
            onChange={(event) => onDraft({ type: "text", text: event.target.value })}
          />
          <span className="char-counter" data-testid="char-counter" aria-live="polite">
            {text.length} / {widget.max_chars}
          </span>
        </>
      );
    }
    case "single_select": {
      const value = draft.type === "single" ? draft.value : null;
      return (
        <fieldset className="widget-choices" data-testid="widget-input" aria-labelledby={labelId} aria-describedby={describedBy}>
          {widget.choices.map((choice) => (
            <label key={choice.value} className="choice">
              <input
                type="radio"
                name={labelId}
                data-testid={`choice-${choice.value}`}
                value={choice.value}
                checked={value === choice.value}
                disabled={disabled}
                onChange={() => onDraft({ type: "single", value: choice.value })}
              />
              <span>{choice.label}</span>
            </label>
          ))}
        </fieldset>
      );
    }
    case "multi_select": {
      const values = draft.type === "multi" ? draft.values : [];
      return (
        <fieldset className="widget-choices" data-testid="widget-input" aria-labelledby={labelId} aria-describedby={describedBy}>
          {widget.choices.map((choice) => (
            <label key={choice.value} className="choice">
              <input
                type="checkbox"
                data-testid={`choice-${choice.value}`}
                value={choice.value}
                checked={values.includes(choice.value)}
                disabled={disabled}
                onChange={(event) =>
                  onDraft({ type: "multi", values: toggleChoice(values, choice.value, event.target.checked, widget.choices) })
                }
              />
              <span>{choice.label}</span>
            </label>
          ))}
        </fieldset>
      );
    }
    case "date_select": {
      const epoch = draft.type === "date" ? draft.epoch : null;
      return (
        <>
          <input
            {...common}
            className="widget-date"
            data-testid="widget-input"
            type={inputType(widget.mode)}
            value={epochToInput(epoch, widget.mode)}
            min={epochToInput(widget.min_date, widget.mode) || undefined}
            max={epochToInput(widget.max_date, widget.mode) || undefined}
            step={inputStep(widget.mode, widget.minute_interval)}
            onChange={(event) => onDraft(dateDraft(event.target.value, widget.mode))}
          />
          {widget.mode !== "date" && widget.minute_interval > 1 && (
            <span className="hint">Rounded to every {widget.minute_interval} minutes. Times are in UTC.</span>
          )}
        </>
      );
    }
    case "slider": {
      const value = draft.type === "slider" ? draft.value : widget.min;
      const shown = formatSliderValue(value, widget.precision, widget.unit);
      return (
        <div className="widget-slider">
          <input
            {...common}
            type="range"
            data-testid="slider"
            min={widget.min}
            max={widget.max}
            step={widget.step}
            value={value}
            aria-valuetext={shown}
            onChange={(event) => onDraft({ type: "slider", value: sliderValue(Number(event.target.value), widget) })}
          />
          <output className="slider-value" data-testid="slider-value">
            {shown}
          </output>
        </div>
      );
    }
    case "range_slider": {
      const [low, high] = draft.type === "range" ? [draft.low, draft.high] : [widget.min, widget.max];
      const set = (moved: "low" | "high", raw: string) => {
        const position = sliderValue(Number(raw), widget);
        const [nextLow, nextHigh] = orderRange(moved === "low" ? position : low, moved === "high" ? position : high, moved);
        onDraft({ type: "range", low: nextLow, high: nextHigh });
      };
      return (
        <div className="widget-slider widget-range">
          {(["low", "high"] as const).map((end) => {
            const value = end === "low" ? low : high;
            return (
              <label key={end}>
                <span>{end === "low" ? "From" : "To"}</span>
                <input
                  type="range"
                  data-testid={`range-${end}`}
                  aria-describedby={describedBy}
                  disabled={disabled}
                  min={widget.min}
                  max={widget.max}
                  step={widget.step}
                  value={value}
                  aria-valuetext={formatSliderValue(value, widget.precision, widget.unit.includes("<") ? "" : widget.unit)}
                  onChange={(event) => set(end, event.target.value)}
                />
              </label>
            );
          })}
          <output className="slider-value" data-testid="slider-value">
            {formatRange(low, high, widget.precision, widget.unit)}
          </output>
        </div>
      );
    }
    case "photo_upload":
      return (
        <PhotoInput
          widget={widget}
          upload={draft.type === "photo" ? draft.upload : null}
          labelId={labelId}
          describedBy={describedBy}
          disabled={disabled}
          onUpload={(stored) => onDraft({ type: "photo", upload: stored })}
          onBusy={onBusy}
          send={upload}
        />
      );
    case "gps_location":
      return (
        <LocationInput
          gps={widget.gps}
          location={draft.type === "location" ? draft.location : null}
          describedBy={describedBy}
          disabled={disabled}
          onLocation={(location) => onDraft({ type: "location", location })}
        />
      );
    case "unknown":
      return <p className="muted">This inbox cannot show this kind of form ({widget.name || "unknown"}).</p>;
  }
}

interface PhotoInputProps {
  widget: Extract<FormWidget, { type: "photo_upload" }>;
  upload: Upload | null;
  labelId: string;
  describedBy: string | undefined;
  disabled: boolean;
  onUpload(upload: Upload | null): void;
  onBusy(busy: boolean): void;
  send(file: File): Promise<Upload>;
}

function PhotoInput({ widget, upload, labelId, describedBy, disabled, onUpload, onBusy, send }: PhotoInputProps) {
  const [state, setState] = useState<{ uploading: boolean; error: string | null }>({ uploading: false, error: null });

  async function choose(file: File | undefined) {
    if (!file) {
      return;
    }
    if (!file.type.startsWith("image/")) {
      setState({ uploading: false, error: "Choose a photo (an image file)." });
      return;
    }
    setState({ uploading: true, error: null });
    onBusy(true);
    onUpload(null);
    try {
      onUpload(await send(file));
      setState({ uploading: false, error: null });
    } catch (failure) {
      setState({ uploading: false, error: `The photo could not be uploaded: ${describeError(failure)}` });
    } finally {
      onBusy(false);
    }
  }

  return (
    <div className="widget-photo">
      <input
        type="file"
        accept="image/*"
        capture={photoCapture(widget)}
        data-testid="photo-input"
        aria-labelledby={labelId}
        aria-describedby={describedBy}
        disabled={disabled || state.uploading}
        onChange={(event) => void choose(event.target.files?.[0])}
      />
      {state.uploading && <p className="muted" role="status">Uploading…</p>}
      {state.error && (
        <p className="error-text" role="alert">
          {state.error}
        </p>
      )}
      {upload && (
        <figure className="photo-preview" data-testid="photo-preview">
          <img src={upload.url} alt={`Your photo ${upload.name}`} />
          <figcaption>
            {upload.name} {formatSize(upload.size) && `· ${formatSize(upload.size)}`}
          </figcaption>
        </figure>
      )}
    </div>
  );
}

interface LocationInputProps {
  gps: boolean;
  location: Extract<Draft, { type: "location" }>["location"];
  describedBy: string | undefined;
  disabled: boolean;
  onLocation(location: NonNullable<LocationInputProps["location"]>): void;
}

function LocationInput({ gps, location, describedBy, disabled, onLocation }: LocationInputProps) {
  const [state, setState] = useState<{ locating: boolean; error: string | null }>({ locating: false, error: null });

  function share() {
    if (!("geolocation" in navigator)) {
      setState({ locating: false, error: "This browser cannot share a location." });
      return;
    }
    setState({ locating: true, error: null });
    navigator.geolocation.getCurrentPosition(
      (position) => {
        onLocation(locationValue(position));
        setState({ locating: false, error: null });
      },
      (failure) => setState({ locating: false, error: locationErrorMessage(failure.code) }),
      { enableHighAccuracy: gps, timeout: 20_000, maximumAge: 0 },
    );
  }

  let shown: ReactNode = null;
  if (location) {
    shown = (
      <p className="location" data-testid="location">
        {location.latitude.toFixed(5)}, {location.longitude.toFixed(5)} (± {Math.round(location.accuracy)} m)
      </p>
    );
  }
  return (
    <div className="widget-location">
      <button
        type="button"
        className="share-location"
        data-testid="share-location"
        aria-describedby={describedBy}
        disabled={disabled || state.locating}
        onClick={share}
      >
        {state.locating ? "Finding your location…" : location ? "Share my location again" : "Share my location"}
      </button>
      {shown}
      {state.error && (
        <p className="error-text" role="alert" data-testid="location-error">
          {state.error}
        </p>
      )}
    </div>
  );
}
