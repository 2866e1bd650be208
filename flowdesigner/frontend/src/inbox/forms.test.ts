import { describe, expect, it } from "vitest";
import {
  formatRange,
  formatSliderValue,
  initialDraft,
  locationErrorMessage,
  locationValue,
  orderRange,
  photoCapture,
  readForm,
  readWidget,
  roundTo,
  sliderValue,
  submission,
  toggleChoice,
  type FormWidget,
} from "./forms";
import { readMessage } from "./messages";

const choices = [
  { value: "a", label: "Apple" },
  { value: "b", label: "Banana" },
  { value: "c", label: "Cherry" },
];

describe("slider values", () => {
  it.each([
    [1.23456, 2, 1.23],
    [1.235, 2, 1.24],
    [1.005, 2, 1.01],
    [-1.5, 0, -2],
    [2.5, 0, 3],
    [7, 3, 7],
    [0.1 + 0.2, 1, 0.3],
  ])("rounds %d to %d decimals: %d", (value, precision, rounded) => {
    expect(roundTo(value, precision)).toBe(rounded);
  });

  const options = { min: 0, max: 5, step: 0.25, precision: 1, unit: "km" };
  it("keeps a value within min and max, rounded to the precision", () => {
    expect(sliderValue(-1, options)).toBe(0);
    expect(sliderValue(9, options)).toBe(5);
    expect(sliderValue(2.25, options)).toBe(2.3);
  });

  it("shows the value with its decimals and unit, or in the unit's <value/> placeholder", () => {
    expect(formatSliderValue(2.3, 1, "km")).toBe("2.3 km");
    expect(formatSliderValue(2, 2, "")).toBe("2.00");
    expect(formatSliderValue(20, 0, "€ <value>")).toBe("€ 20");
  });

  // The same cases as tests/flowdesigner/test_rogerthat_placeholders.py, so server and inbox agree.
  it.each([
    [5, 0, "<value/> op 5", "5 op 5"],
    [7.5, 1, "<value/> km", "7.5 km"],
    [20, 0, "€ <value />", "€ 20"],
    [3, 0, "<value/> of <value/>", "3 of 3"],
    [4, 2, "punten", "4.00 punten"],
  ] as const)("fills Rogerthat's <value/>: %d, precision %d, unit %j -> %j", (value, precision, unit, shown) => {
    expect(formatSliderValue(value, precision, unit)).toBe(shown);
  });

  it.each([
    [10, 90, 0, "€<low_value/> - €<high_value/>", "€10 - €90"],
    [1, 3, 1, "<low_value/> tot <high_value/> uur", "1.0 tot 3.0 uur"],
    [1, 3, 1, "<low_value> to <high_value> h", "1.0 to 3.0 h"],
    [1, 3, 0, "<value/> km", "1 - 3 km"],
    [50, 137.5, 1, "EUR", "50.0 - 137.5 EUR"],
    [1, 3, 0, "", "1 - 3"],
  ] as const)("fills <low_value/> and <high_value/>: %d-%d, precision %d, unit %j -> %j", (low, high, precision, unit, shown) => {
    expect(formatRange(low, high, precision, unit)).toBe(shown);
  });
});

describe("range slider ordering", () => {
  it.each([
    [2, 5, "low", [2, 5]],
    [5, 5, "low", [5, 5]],
    [6, 5, "low", [5, 5]],
    [2, 1, "high", [2, 2]],
    [2, 8, "high", [2, 8]],
  ] as const)("low %d, high %d after %s moved: %j", (low, high, moved, expected) => {
    expect(orderRange(low, high, moved)).toEqual(expected);
  });

  it("starts ordered even when configured the wrong way round", () => {
    const widget = readWidget({ type: "range_slider", min: 0, max: 10, step: 1, precision: 0, low_value: 8, high_value: 3 });
    expect(initialDraft(widget)).toEqual({ type: "range", low: 3, high: 3 });
    expect(submission(widget, { type: "range", low: 2, high: 7 })).toEqual({ ok: true, value: [2, 7] });
  });
});

describe("multi select", () => {
  it("toggles a choice on and off, keeping the choices' order", () => {
    expect(toggleChoice([], "b", true, choices)).toEqual(["b"]);
    expect(toggleChoice(["c"], "a", true, choices)).toEqual(["a", "c"]);
    expect(toggleChoice(["a", "c"], "a", false, choices)).toEqual(["c"]);
    expect(toggleChoice(["a"], "a", true, choices)).toEqual(["a"]);
  });

  it("starts from the configured values that are choices", () => {
    const widget = readWidget({ type: "multi_select", choices, values: ["c", "zzz", "a"] });
    expect(initialDraft(widget)).toEqual({ type: "multi", values: ["a", "c"] });
  });
});

describe("widgets: defaults and submitted values", () => {
  // [widget as the payload has it, the draft it starts from, what the positive button sends]
  const table: Array<[string, unknown, unknown, unknown]> = [
    ["text line", { type: "text_line", max_chars: 5, value: "Hello world" }, { type: "text", text: "Hello" }, "Hello"],
    ["text block", { type: "text_block" }, { type: "text", text: "" }, ""],
    ["auto complete", { type: "auto_complete", value: "Ghent", suggestions: ["Ghent", "Gent"] }, { type: "text", text: "Ghent" }, "Ghent"],
    ["single select", { type: "single_select", choices, value: "b" }, { type: "single", value: "b" }, "b"],
    ["multi select", { type: "multi_select", choices, values: ["a"] }, { type: "multi", values: ["a"] }, ["a"]],
    [
      "date",
      { type: "date_select", mode: "date", date: Date.UTC(2025, 6, 12) / 1000 },
      { type: "date", epoch: Date.UTC(2025, 6, 12) / 1000 },
      Date.UTC(2025, 6, 12) / 1000,
    ],
    ["time snapped", { type: "date_select", mode: "time", date: 14 * 3600 + 7 * 60, minute_interval: 15 }, { type: "date", epoch: 50820 }, 14 * 3600],
    ["slider", { type: "slider", min: 0, max: 10, step: 0.5, precision: 1, value: 3.25 }, { type: "slider", value: 3.3 }, 3.3],
    ["range", { type: "range_slider", min: 0, max: 100, low_value: 10, high_value: 40 }, { type: "range", low: 10, high: 40 }, [10, 40]],
  ];

  it.each(table)("%s", (_name, raw, draft, value) => {
    const widget = readWidget(raw);
    expect(initialDraft(widget)).toEqual(draft);
    expect(submission(widget, initialDraft(widget))).toEqual({ ok: true, value });
  });

  it("fills every option of a bare widget with its default", () => {
    expect(readWidget({ type: "text_line" })).toEqual({ type: "text_line", max_chars: 50, placeholder: "", value: "", suggestions: [] });
    expect(readWidget({ type: "single_select" })).toEqual({ type: "single_select", choices: [], value: null });
    expect(readWidget({ type: "date_select" })).toEqual({
      type: "date_select",
      mode: "date",
      min_date: null,
      max_date: null,
      date: null,
      minute_interval: 1,
      unit: "",
    });
    expect(readWidget({ type: "slider" })).toEqual({ type: "slider", min: 0, max: 10, step: 1, precision: 0, unit: "", value: 0 });
    expect(readWidget({ type: "photo_upload" })).toEqual({ type: "photo_upload", quality: "best", gallery: true, camera: true, ratio: "" });
    expect(readWidget({ type: "gps_location" })).toEqual({ type: "gps_location", gps: true });
    expect(readWidget({ type: "advanced_order" })).toEqual({ type: "unknown", name: "advanced_order" });
  });

  it("asks for what is missing instead of sending nothing", () => {
    const single = readWidget({ type: "single_select", choices, value: "nope" });
    expect(initialDraft(single)).toEqual({ type: "single", value: null });
    expect(submission(single, initialDraft(single))).toMatchObject({ ok: false });
    const date = readWidget({ type: "date_select", mode: "date_time" });
    expect(submission(date, initialDraft(date))).toMatchObject({ ok: false });
    const photo = readWidget({ type: "photo_upload" });
    expect(submission(photo, initialDraft(photo))).toEqual({ ok: false, problem: "Choose a photo first." });
    const gps = readWidget({ type: "gps_location" });
    expect(submission(gps, initialDraft(gps))).toEqual({ ok: false, problem: "Share your location first." });
  });

  it("sends an upload by its id and a location with epoch seconds", () => {
    const photo = readWidget({ type: "photo_upload" });
    const upload = { id: "2f0c8a9e-5b1d-4c1e-9a43-0d6c1f1b7e21", url: "/media/x.jpg", name: "x.jpg", content_type: "image/jpeg", size: 10 };
    expect(submission(photo, { type: "photo", upload })).toEqual({ ok: true, value: { upload: "2f0c8a9e-5b1d-4c1e-9a43-0d6c1f1b7e21" } });
    const location = locationValue({
      coords: { latitude: 51.05, longitude: 3.72, accuracy: 12, altitude: null },
      timestamp: 1_750_000_000_123,
    });
    expect(location).toEqual({ latitude: 51.05, longitude: 3.72, accuracy: 12, altitude: null, timestamp: 1_750_000_000 });
    expect(submission(readWidget({ type: "gps_location" }), { type: "location", location })).toEqual({ ok: true, value: location });
  });

  it("explains geolocation failures", () => {
    expect(locationErrorMessage(1)).toMatch(/denied/);
    expect(locationErrorMessage(2)).toMatch(/could not be determined/);
    expect(locationErrorMessage(3)).toMatch(/too long/);
  });

  it("opens the camera directly only when the gallery is not allowed", () => {
    const widget = (gallery: boolean, camera: boolean) =>
      readWidget({ type: "photo_upload", gallery, camera }) as Extract<FormWidget, { type: "photo_upload" }>;
    expect(photoCapture(widget(false, true))).toBe("environment");
    expect(photoCapture(widget(true, true))).toBeUndefined();
    expect(photoCapture(widget(true, false))).toBeUndefined();
  });
});

describe("form message payload", () => {
  it("reads the form, its result and display value; a plain message has no form", () => {
    const message = readMessage({
      id: 9,
      text: "Your name?",
      form: { widget: { type: "text_line", max_chars: 20 }, positive_caption: "Send", negative_caption: "" },
      form_result: { type: "text", value: "Erin" },
      display_value: "Erin",
      answered_button_id: "positive",
      locked: true,
    });
    expect(message.form).toEqual({
      widget: { type: "text_line", max_chars: 20, placeholder: "", value: "", suggestions: [] },
      positive_caption: "Send",
      positive_confirmation: "",
      negative_caption: "Cancel",
      negative_confirmation: "",
    });
    expect(message.form_result).toEqual({ type: "text", value: "Erin" });
    expect(message.display_value).toBe("Erin");
    expect(readMessage({ id: 1 }).form).toBeNull();
    expect(readForm("junk")).toBeNull();
  });
});
