import type { ElementModule } from "../types";
import { messageExits } from "./config";
import { MessageEditor } from "./Editor";
import { MessageSummary } from "./Summary";

export const message: ElementModule = {
  type: "message",
  defaults: { text: "", buttons: [] },
  exits: messageExits,
  Summary: MessageSummary,
  Editor: MessageEditor,
};
