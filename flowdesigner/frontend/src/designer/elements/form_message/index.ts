import type { ElementModule } from "../types";
import { DEFAULT_NEGATIVE_CAPTION, DEFAULT_POSITIVE_CAPTION, formMessageExits } from "./config";
import { FormMessageEditor } from "./Editor";
import { FormMessageSummary } from "./Summary";
import { widgetDefaults } from "./widgets";

/** Rogerthat's form message: a text, one widget, and a positive and a negative button (the exits). */
export const formMessage: ElementModule = {
  type: "form_message",
  defaults: {
    text: "",
    widget: widgetDefaults("text_line"),
    positive_caption: DEFAULT_POSITIVE_CAPTION,
    negative_caption: DEFAULT_NEGATIVE_CAPTION,
  },
  exits: formMessageExits,
  Summary: FormMessageSummary,
  Editor: FormMessageEditor,
};
