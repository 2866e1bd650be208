/**
 * The widgets of a form message (Rogerthat's form widgets) and the options each one has, as the flow
 * document stores them under `config.widget`: {"type": ..., ...options}.
 */

export const WIDGET_TYPES = [
  "text_line",
  "text_block",
  "auto_complete",
  "single_select",
  "multi_select",
  "date_select",
  "slider",
  "range_slider",
  "photo_upload",
  "gps_location",
] as const;

export type WidgetType = (typeof WIDGET_TYPES)[number];

export const WIDGET_LABELS: Record<WidgetType, string> = {
  text_line: "Text line",
  text_block: "Text block",
  auto_complete: "Auto complete",
  single_select: "Single select",
  multi_select: "Multi select",
  date_select: "Date / time",
  slider: "Slider",
  range_slider: "Range slider",
  photo_upload: "Photo upload",
  gps_location: "GPS location",
};

export interface Choice {
  value: string;
  label: string;
}

export const DATE_MODES = ["date", "time", "date_time"] as const;
export type DateMode = (typeof DATE_MODES)[number];

export const DATE_MODE_LABELS: Record<DateMode, string> = {
  date: "Date",
  time: "Time",
  date_time: "Date and time",
};

/** Minute intervals that divide an hour, as the server accepts them. */
export const MINUTE_INTERVALS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30] as const;

/** Rogerthat's photo qualities; a "WxH" size such as "1024x768" is allowed as well. */
export const PHOTO_QUALITIES = ["best", "user"] as const;

export function isWidgetType(value: unknown): value is WidgetType {
  return WIDGET_TYPES.includes(value as WidgetType);
}

/** The options a newly picked widget type starts from. */
export function widgetDefaults(type: WidgetType): { type: WidgetType; [option: string]: unknown } {
  switch (type) {
    case "text_line":
      return { type, max_chars: 50, placeholder: "", value: "" };
    case "text_block":
      return { type, max_chars: 500, placeholder: "", value: "" };
    case "auto_complete":
      return { type, max_chars: 50, placeholder: "", value: "", suggestions: [] };
    case "single_select":
      return { type, choices: [], value: null };
    case "multi_select":
      return { type, choices: [], values: [] };
    case "date_select":
      return { type, mode: "date", min_date: null, max_date: null, date: null, minute_interval: 1, unit: "" };
    // A null initial value follows the bounds (the minimum; a range's minimum and maximum), as the engine
    // reads it (engine/core/widgets.py options()): a number here would fall outside once the bounds change.
    case "slider":
      return { type, min: 0, max: 10, step: 1, precision: 0, unit: "", value: null };
    case "range_slider":
      return { type, min: 0, max: 10, step: 1, precision: 0, unit: "", low_value: null, high_value: null };
    case "photo_upload":
      return { type, quality: "best", gallery: true, camera: true, ratio: "" };
    case "gps_location":
      return { type, gps: true };
  }
}

/** A slider's initial value as the person will see it: the one set, else (null) the bound it follows, the
 * minimum ("value", "low_value") or the maximum ("high_value"), as engine/core/widgets.py options() reads it. */
export function sliderInitial(
  widget: { [option: string]: unknown },
  option: "value" | "low_value" | "high_value",
): number {
  const bound = option === "high_value" ? finiteOr(widget.max, 10) : finiteOr(widget.min, 0);
  return finiteOr(widget[option], bound);
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

/** "Photo quality" is "best", "user" or a size "WxH" (1024x768). */
export function photoQualityProblem(quality: string): string | null {
  if ((PHOTO_QUALITIES as readonly string[]).includes(quality) || /^[1-9]\d*x[1-9]\d*$/.test(quality)) {
    return null;
  }
  return "Use best, user, or a size such as 1024x768.";
}

/** Why the choices cannot be offered as they are, or null: each needs a value, values are unique. */
export function choicesProblem(choices: readonly Choice[]): string | null {
  if (choices.some((choice) => choice.value === "")) {
    return "Every choice needs a value.";
  }
  const values = choices.map((choice) => choice.value);
  if (new Set(values).size !== values.length) {
    return "Two choices have the same value.";
  }
  return null;
}
