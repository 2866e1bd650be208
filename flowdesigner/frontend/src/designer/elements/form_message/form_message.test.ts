import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import {
  attributeOptions,
  formMessageExits,
  readFormMessage,
  STANDARD_ATTRIBUTE_KEYS,
  switchSaveToKind,
  switchWidgetType,
} from "./config";
import { choicesProblem, photoQualityProblem, sliderInitial, widgetDefaults } from "./widgets";

describe("form message exits", () => {
  it("are positive then negative, labelled with the captions or their defaults", () => {
    expect(formMessageExits({ positive_caption: "Send", negative_caption: "Skip" })).toEqual([
      { name: "positive", label: "Send" },
      { name: "negative", label: "Skip" },
    ]);
    expect(formMessageExits({ positive_caption: "", negative_caption: "" })).toEqual([
      { name: "positive", label: "Submit" },
      { name: "negative", label: "Cancel" },
    ]);
    expect(exitsOf({ type: "form_message", config: {}, storedExits: [] }).map((exit) => exit.name)).toEqual([
      "positive",
      "negative",
    ]);
  });

  it("get a 'no answer' exit with a reply timeout", () => {
    expect(formMessageExits({ timeout: { amount: 30, unit: "minutes" } })).toEqual([
      { name: "positive", label: "Submit" },
      { name: "negative", label: "Cancel" },
      { name: "no_answer", label: "no answer" },
    ]);
    expect(formMessageExits({ timeout: null }).map((exit) => exit.name)).toEqual(["positive", "negative"]);
  });
});

describe("a newly placed form message", () => {
  it("starts as a text line with Submit and Cancel", () => {
    expect(initialConfig(elementModule("form_message")!, {})).toEqual({
      text: "",
      widget: { type: "text_line", max_chars: 50, placeholder: "", value: "" },
      positive_caption: "Submit",
      negative_caption: "Cancel",
    });
  });

  it("shares no widget between two nodes", () => {
    const first = initialConfig(elementModule("form_message")!, {});
    (first.widget as Record<string, unknown>).max_chars = 5;
    expect((initialConfig(elementModule("form_message")!, {}).widget as Record<string, unknown>).max_chars).toBe(50);
  });
});

describe("a slider's initial values", () => {
  it("follow the bounds until one is set, as the engine reads a new slider", () => {
    const slider = { ...widgetDefaults("slider"), min: 20, max: 100 };
    expect(sliderInitial(slider, "value")).toBe(20);
    expect(sliderInitial({ ...slider, value: 40 }, "value")).toBe(40);
    const range = { ...widgetDefaults("range_slider"), min: -5, max: 5 };
    expect([sliderInitial(range, "low_value"), sliderInitial(range, "high_value")]).toEqual([-5, 5]);
  });
});

describe("switching the widget type", () => {
  // Each type's option defaults are checked against the engine's by registry.test.ts.
  it("resets the options when the type changes, keeping the rest of the config", () => {
    const config = {
      text: "Pick one",
      widget: { type: "text_line", max_chars: 10, placeholder: "x", value: "y" },
      positive_caption: "OK",
    };
    expect(switchWidgetType(config, "single_select")).toEqual({
      text: "Pick one",
      widget: { type: "single_select", choices: [], value: null },
      positive_caption: "OK",
    });
  });
});

describe("form message config", () => {
  it("reads a malformed config with defaults", () => {
    expect(readFormMessage({ widget: { type: "hologram" }, save_to: { kind: "cloud" }, auto_lock: false })).toEqual({
      text: "",
      widget: { type: "text_line", max_chars: 50, placeholder: "", value: "" },
      positive_caption: "Submit",
      positive_confirmation: "",
      negative_caption: "Cancel",
      negative_confirmation: "",
      save_to: null,
      branding: null,
      alert: { type: "SILENT", interval: "NONE", vibrate: false },
      auto_lock: false,
      attachments: [],
    });
  });

  it("keeps a known widget's options as stored", () => {
    const widget = { type: "slider", min: 1, max: 5, step: 0.5, precision: 1, unit: "km", value: 2 };
    expect(readFormMessage({ widget }).widget).toEqual(widget);
  });

  it("switches where the answer is saved, keeping the name or key while the kind stays", () => {
    const variable = { kind: "variable", name: "size" } as const;
    expect(switchSaveToKind(variable, "variable")).toBe(variable);
    expect(switchSaveToKind(variable, "attribute")).toEqual({ kind: "attribute", key: "" });
    expect(switchSaveToKind(variable, "none")).toBeNull();
    expect(switchSaveToKind(null, "variable")).toEqual({ kind: "variable", name: "" });
  });

  it("offers the standard attributes first, then the custom ones not listed yet", () => {
    const options = attributeOptions([
      { key: "shoe_size", label: "Shoe size" },
      { key: "email", label: "E-mail" },
    ]);
    expect(options.map(([key]) => key)).toEqual([...STANDARD_ATTRIBUTE_KEYS, "shoe_size"]);
    expect(options.at(-1)).toEqual(["shoe_size", "Shoe size"]);
  });

  it("hints on choices without a value or with the same value twice, and on a bad photo quality", () => {
    expect(choicesProblem([{ value: "a", label: "A" }])).toBeNull();
    expect(choicesProblem([{ value: "", label: "A" }])).toMatch(/needs a value/);
    expect(choicesProblem([{ value: "a", label: "A" }, { value: "a", label: "B" }])).toMatch(/same value/);
    expect(photoQualityProblem("best")).toBeNull();
    expect(photoQualityProblem("1024x768")).toBeNull();
    expect(photoQualityProblem("huge")).not.toBeNull();
  });
});
