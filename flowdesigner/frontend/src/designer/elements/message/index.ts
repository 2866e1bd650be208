import type { ElementModule } from "../types";
import { messageExits } from "./config";
import { MessageEditor } from "./Editor";
import { MessageSummary } from "./Summary";

export const message: ElementModule = {
  type: "message",
  // One OK button, as the engine starts a message: without a button (or dismiss) it is a validation issue.
  defaults: { text: "", buttons: [{ id: "ok", caption: "OK" }] },
  exits: messageExits,
  Summary: MessageSummary,
  Editor: MessageEditor,
};
