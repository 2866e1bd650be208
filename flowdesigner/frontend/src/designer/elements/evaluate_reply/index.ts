import type { ElementModule } from "../types";
import { evaluateReplyExits } from "./config";
import { EvaluateReplyEditor } from "./Editor";
import { EvaluateReplySummary } from "./Summary";

/** Waits for the person's free-text reply and branches on it with the inbound operators. */
export const evaluateReply: ElementModule = {
  type: "evaluate_reply",
  defaults: {
    channel: "any",
    branches: [{ id: "b1", name: "Branch 1", conditions: [{ operator: "matches_text", values: [""] }] }],
    variable: "",
    timeout: null,
  },
  exits: evaluateReplyExits,
  Summary: EvaluateReplySummary,
  Editor: EvaluateReplyEditor,
};
