import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { withOtherExit } from "../message/channel";
import { readMessageOptions, str, withNoAnswer, type MessageOptionsConfig } from "../message/config";
import type { Exit } from "../types";
import { isWidgetType, widgetDefaults, type WidgetType } from "./widgets";

export const POSITIVE_EXIT = "positive";
export const NEGATIVE_EXIT = "negative";
export const DEFAULT_POSITIVE_CAPTION = "Submit";
export const DEFAULT_NEGATIVE_CAPTION = "Cancel";

export type SaveTo = null | { kind: "variable"; name: string } | { kind: "attribute"; key: string };

export interface Widget {
  type: WidgetType;
  [option: string]: unknown;
}

export interface FormMessageConfig extends MessageOptionsConfig {
  text: string;
  widget: Widget;
  positive_caption: string;
  positive_confirmation: string;
  negative_caption: string;
  negative_confirmation: string;
  save_to: SaveTo;
}

/** Attribute keys every person has, offered before the custom attributes. */
export const STANDARD_ATTRIBUTE_KEYS: readonly string[] = [
  "first_name",
  "last_name",
  "email",
  "phone",
  "language",
  "timezone",
  "birth_date",
  "opt_in",
  "external_id",
];

function readSaveTo(value: unknown): SaveTo {
  if (!isObject(value)) {
    return null;
  }
  if (value.kind === "variable") {
    return { ...value, kind: "variable", name: str(value.name) };
  }
  if (value.kind === "attribute") {
    return { ...value, kind: "attribute", key: str(value.key) };
  }
  return null;
}

/** The widget as stored, or the default text line; the options of a known type are kept as they are
 * (the editor reads each with its own fallback). */
export function readWidget(value: unknown): Widget {
  if (isObject(value) && isWidgetType(value.type)) {
    return { ...value, type: value.type };
  }
  return widgetDefaults("text_line");
}

/** The form message config with every key present, defaults for missing or malformed ones. */
export function readFormMessage(config: JsonObject): FormMessageConfig {
  return {
    text: str(config.text),
    widget: readWidget(config.widget),
    positive_caption: str(config.positive_caption, DEFAULT_POSITIVE_CAPTION),
    positive_confirmation: str(config.positive_confirmation),
    negative_caption: str(config.negative_caption, DEFAULT_NEGATIVE_CAPTION),
    negative_confirmation: str(config.negative_confirmation),
    save_to: readSaveTo(config.save_to),
    ...readMessageOptions(config),
  };
}

/** The positive then the negative exit, labelled with their captions; then "other" when an unrecognised
 * SMS/email reply goes on through it; then "no answer" with a reply timeout. */
export function formMessageExits(config: JsonObject): Exit[] {
  const form = readFormMessage(config);
  const exits = [
    { name: POSITIVE_EXIT, label: form.positive_caption || DEFAULT_POSITIVE_CAPTION },
    { name: NEGATIVE_EXIT, label: form.negative_caption || DEFAULT_NEGATIVE_CAPTION },
  ];
  return withNoAnswer(config, withOtherExit(config, exits));
}

/** `config` with the widget changed to `type`: that type's default options, nothing of the old widget. */
export function switchWidgetType(config: JsonObject, type: WidgetType): JsonObject {
  return { ...config, widget: widgetDefaults(type) };
}

/** The save-to a newly picked kind starts from, keeping the old name or key when the kind stays. */
export function switchSaveToKind(current: SaveTo, kind: "none" | "variable" | "attribute"): SaveTo {
  if (kind === "none") {
    return null;
  }
  if (current?.kind === kind) {
    return current;
  }
  return kind === "variable" ? { kind, name: "" } : { kind, key: "" };
}

/** Standard keys first, then the custom attributes not already listed; label per key. */
export function attributeOptions(custom: ReadonlyArray<{ key: string; label: string }>): Array<[string, string]> {
  const options: Array<[string, string]> = STANDARD_ATTRIBUTE_KEYS.map((key) => [key, key.replaceAll("_", " ")]);
  for (const attribute of custom) {
    if (!options.some(([key]) => key === attribute.key)) {
      options.push([attribute.key, attribute.label || attribute.key]);
    }
  }
  return options;
}
