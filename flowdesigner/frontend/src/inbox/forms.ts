/**
 * Form messages in the inbox: the widget a form asks with (read from the message payload with a
 * fallback for every option), the value each widget starts from, and the value it submits.
 * Pure functions; FormView.tsx renders them.
 */
import type { components } from "../shared/api-schema";
import { inputToEpoch, snapToInterval, type DateMode } from "../shared/dates";
import { isObject } from "../shared/http";

export interface Choice {
  value: string;
  label: string;
}

export type TextWidget = {
  type: "text_line" | "text_block" | "auto_complete";
  max_chars: number;
  placeholder: string;
  value: string;
  suggestions: string[];
};
export type SingleSelectWidget = { type: "single_select"; choices: Choice[]; value: string | null };
export type MultiSelectWidget = { type: "multi_select"; choices: Choice[]; values: string[] };
export type DateSelectWidget = {
  type: "date_select";
  mode: DateMode;
  min_date: number | null;
  max_date: number | null;
  date: number | null;
  minute_interval: number;
  unit: string;
};
interface SliderOptions {
  min: number;
  max: number;
  step: number;
  precision: number;
  unit: string;
}
export type SliderWidget = SliderOptions & { type: "slider"; value: number };
export type RangeSliderWidget = SliderOptions & { type: "range_slider"; low_value: number; high_value: number };
export type PhotoUploadWidget = { type: "photo_upload"; quality: string; gallery: boolean; camera: boolean; ratio: string };
export type GpsLocationWidget = { type: "gps_location"; gps: boolean };
/** A widget type this inbox does not know: the form can still be declined. */
export type UnknownWidget = { type: "unknown"; name: string };

export type FormWidget =
  | TextWidget
  | SingleSelectWidget
  | MultiSelectWidget
  | DateSelectWidget
  | SliderWidget
  | RangeSliderWidget
  | PhotoUploadWidget
  | GpsLocationWidget
  | UnknownWidget;

export interface FormSpec {
  widget: FormWidget;
  positive_caption: string;
  positive_confirmation: string;
  negative_caption: string;
  negative_confirmation: string;
}

export interface FormResult {
  type: string;
  value: unknown;
}

/** A stored upload, as POST /api/inbox/uploads/ returns it. */
export type Upload = components["schemas"]["InboxUpload"];

/** What a GPS location widget submits. Timestamps are epoch seconds, like every other date here. */
export interface LocationValue {
  latitude: number;
  longitude: number;
  accuracy: number;
  altitude: number | null;
  timestamp: number;
}

const str = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);
const num = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;
const numOrNull = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

function choices(value: unknown): Choice[] {
  return Array.isArray(value)
    ? value.filter(isObject).map((choice) => ({ value: str(choice.value), label: str(choice.label) || str(choice.value) }))
    : [];
}

function sliderOptions(raw: Record<string, unknown>): SliderOptions {
  const min = num(raw.min, 0);
  const max = Math.max(min, num(raw.max, 10));
  const step = num(raw.step, 1);
  return {
    min,
    max,
    step: step > 0 ? step : 1,
    precision: Math.min(10, Math.max(0, Math.round(num(raw.precision, 0)))),
    unit: str(raw.unit),
  };
}

export function readWidget(raw: unknown): FormWidget {
  const data = isObject(raw) ? raw : {};
  const type = str(data.type);
  switch (type) {
    case "text_line":
    case "text_block":
    case "auto_complete":
      return {
        type,
        max_chars: Math.max(1, Math.round(num(data.max_chars, type === "text_block" ? 500 : 50))),
        placeholder: str(data.placeholder),
        value: str(data.value),
        suggestions: strings(data.suggestions),
      };
    case "single_select":
      return { type, choices: choices(data.choices), value: typeof data.value === "string" ? data.value : null };
    case "multi_select":
      return { type, choices: choices(data.choices), values: strings(data.values) };
    case "date_select":
      return {
        type,
        mode: data.mode === "time" || data.mode === "date_time" ? data.mode : "date",
        min_date: numOrNull(data.min_date),
        max_date: numOrNull(data.max_date),
        date: numOrNull(data.date),
        minute_interval: Math.max(1, Math.round(num(data.minute_interval, 1))),
        unit: str(data.unit),
      };
    case "slider":
      return { type, ...sliderOptions(data), value: num(data.value, num(data.min, 0)) };
    case "range_slider": {
      const options = sliderOptions(data);
      return { type, ...options, low_value: num(data.low_value, options.min), high_value: num(data.high_value, options.max) };
    }
    case "photo_upload":
      return { type, quality: str(data.quality, "best"), gallery: data.gallery !== false, camera: data.camera !== false, ratio: str(data.ratio) };
    case "gps_location":
      return { type, gps: data.gps !== false };
    default:
      return { type: "unknown", name: type };
  }
}

/** The form of a message payload, or null for a plain message. */
export function readForm(raw: unknown): FormSpec | null {
  if (!isObject(raw)) {
    return null;
  }
  return {
    widget: readWidget(raw.widget),
    positive_caption: str(raw.positive_caption) || "Submit",
    positive_confirmation: str(raw.positive_confirmation),
    negative_caption: str(raw.negative_caption) || "Cancel",
    negative_confirmation: str(raw.negative_confirmation),
  };
}

export function readFormResult(raw: unknown): FormResult | null {
  return isObject(raw) && typeof raw.type === "string" ? { type: raw.type, value: raw.value } : null;
}

/** What the person is filling in, per widget: the draft behind the controls. */
export type Draft =
  | { type: "text"; text: string }
  | { type: "single"; value: string | null }
  | { type: "multi"; values: string[] }
  | { type: "date"; epoch: number | null }
  | { type: "slider"; value: number }
  | { type: "range"; low: number; high: number }
  | { type: "photo"; upload: Upload | null }
  | { type: "location"; location: LocationValue | null }
  | { type: "none" };

/** The draft a widget starts from: its configured value, clamped and rounded where it has rules. */
export function initialDraft(widget: FormWidget): Draft {
  switch (widget.type) {
    case "text_line":
    case "text_block":
    case "auto_complete":
      return { type: "text", text: widget.value.slice(0, widget.max_chars) };
    case "single_select":
      return { type: "single", value: widget.choices.some((c) => c.value === widget.value) ? widget.value : null };
    case "multi_select":
      return { type: "multi", values: widget.choices.map((c) => c.value).filter((v) => widget.values.includes(v)) };
    case "date_select":
      return { type: "date", epoch: widget.date };
    case "slider":
      return { type: "slider", value: sliderValue(widget.value, widget) };
    case "range_slider": {
      const [low, high] = orderRange(sliderValue(widget.low_value, widget), sliderValue(widget.high_value, widget), "low");
      return { type: "range", low, high };
    }
    case "photo_upload":
      return { type: "photo", upload: null };
    case "gps_location":
      return { type: "location", location: null };
    case "unknown":
      return { type: "none" };
  }
}

/** `value` rounded to `precision` decimals (half away from zero, without binary float surprises). */
export function roundTo(value: number, precision: number): number {
  const digits = Math.min(10, Math.max(0, Math.round(precision)));
  const rounded = Number(`${Math.round(Number(`${Math.abs(value)}e${digits}`))}e-${digits}`);
  return value < 0 ? -rounded : rounded;
}

/** A slider position as the widget's value: within min..max, rounded to its precision. */
export function sliderValue(value: number, options: SliderOptions): number {
  const clamped = Math.min(options.max, Math.max(options.min, value));
  return roundTo(clamped, options.precision);
}

/**
 * The two values of a range slider after one of them moved: the one that moved stops at the other,
 * so low ≤ high always holds.
 */
export function orderRange(low: number, high: number, moved: "low" | "high"): [number, number] {
  if (low <= high) {
    return [low, high];
  }
  return moved === "low" ? [high, high] : [low, low];
}

// Rogerthat's placeholders in a slider's unit: "<value/> km", "€ <value/>", "<low_value/> - <high_value/> EUR".
// The open form ("<value>") of earlier flows is read the same way. The server fills them by the same rule
// (engine/core/widgets.py: slider_display, range_display), so the inbox, display values and callbacks agree.
const PLACEHOLDER = /<(value|low_value|high_value)\s*\/?>/g;

function placeholders(unit: string): Set<string> {
  return new Set(Array.from(unit.matchAll(PLACEHOLDER), (match) => match[1] ?? ""));
}

function fixed(value: number, precision: number): string {
  const digits = Math.min(10, Math.max(0, Math.round(precision)));
  return roundTo(value, digits).toFixed(digits);
}

/**
 * A slider value for people: the number with the widget's decimals in place of every <value/> of the unit;
 * a unit without that placeholder follows the number ("7.5 km"); no unit, the number alone.
 */
export function formatSliderValue(value: number, precision: number, unit: string): string {
  const number = fixed(value, precision);
  if (placeholders(unit).has("value")) {
    return unit.replace(PLACEHOLDER, (match, name: string) => (name === "value" ? number : match));
  }
  return `${number} ${unit}`.trim();
}

/**
 * A range slider's values for people: <low_value/> and <high_value/> of the unit take the two numbers;
 * else the unit applies as for a slider to "low - high" ("10 - 90 EUR").
 */
export function formatRange(low: number, high: number, precision: number, unit: string): string {
  const names = placeholders(unit);
  const numbers: Record<string, string> = { low_value: fixed(low, precision), high_value: fixed(high, precision) };
  if (names.has("low_value") || names.has("high_value")) {
    return unit.replace(PLACEHOLDER, (match, name: string) => numbers[name] ?? match);
  }
  const text = `${numbers.low_value} - ${numbers.high_value}`;
  if (names.has("value")) {
    return unit.replace(PLACEHOLDER, (match, name: string) => (name === "value" ? text : match));
  }
  return `${text} ${unit}`.trim();
}

/** `values` with `value` switched on or off, in the order of the choices. */
export function toggleChoice(values: readonly string[], value: string, on: boolean, choices: readonly Choice[]): string[] {
  const next = new Set(values);
  if (on) {
    next.add(value);
  } else {
    next.delete(value);
  }
  return choices.map((choice) => choice.value).filter((choiceValue) => next.has(choiceValue));
}

/** The date draft after the input changed to `text`. */
export function dateDraft(text: string, mode: DateMode): Draft {
  return { type: "date", epoch: inputToEpoch(text, mode) };
}

export type Submission = { ok: true; value: unknown } | { ok: false; problem: string };

/** The value the positive button submits, or why there is none yet. The server validates the rest. */
export function submission(widget: FormWidget, draft: Draft): Submission {
  switch (draft.type) {
    case "text":
      return { ok: true, value: draft.text };
    case "single":
      return draft.value === null ? { ok: false, problem: "Choose one of the options." } : { ok: true, value: draft.value };
    case "multi":
      return { ok: true, value: draft.values };
    case "date":
      if (draft.epoch === null) {
        return { ok: false, problem: "Enter a valid value first." };
      }
      return {
        ok: true,
        value: widget.type === "date_select" ? snapToInterval(draft.epoch, widget.mode, widget.minute_interval) : draft.epoch,
      };
    case "slider":
      return { ok: true, value: widget.type === "slider" ? sliderValue(draft.value, widget) : draft.value };
    case "range":
      return { ok: true, value: [draft.low, draft.high] };
    case "photo":
      return draft.upload === null ? { ok: false, problem: "Choose a photo first." } : { ok: true, value: { upload: String(draft.upload.id) } };
    case "location":
      return draft.location === null
        ? { ok: false, problem: "Share your location first." }
        : { ok: true, value: draft.location };
    case "none":
      return { ok: false, problem: "This form cannot be filled in here." };
  }
}

/** What a browser position gives the service. */
export function locationValue(position: {
  coords: { latitude: number; longitude: number; accuracy: number; altitude: number | null };
  timestamp: number;
}): LocationValue {
  return {
    latitude: position.coords.latitude,
    longitude: position.coords.longitude,
    accuracy: position.coords.accuracy,
    altitude: position.coords.altitude ?? null,
    timestamp: Math.floor(position.timestamp / 1000),
  };
}

/** A geolocation error code (1 denied, 2 unavailable, 3 timeout) as a sentence for the person. */
export function locationErrorMessage(code: number): string {
  switch (code) {
    case 1:
      return "Location access was denied. Allow this site to use your location in the browser's settings, then try again.";
    case 2:
      return "Your location could not be determined. Check that location services are on, then try again.";
    case 3:
      return "Finding your location took too long. Try again, preferably outdoors or near a window.";
    default:
      return "Your location could not be shared.";
  }
}

/** The `capture` attribute of the photo input: straight to the camera only when the gallery is not allowed. */
export function photoCapture(widget: PhotoUploadWidget): "environment" | undefined {
  return widget.camera && !widget.gallery ? "environment" : undefined;
}
