import type { ElementModule } from "../types";
import { inboundMessageExits } from "./config";
import { InboundMessageEditor } from "./Editor";
import { InboundMessageSummary } from "./Summary";

/** Starts people when a message of theirs to one of our numbers or addresses matches a condition. */
export const inboundMessage: ElementModule = {
  type: "inbound_message",
  defaults: { channel: "sms", recipient: "", conditions: [{ operator: "matches_text", values: [""] }], capture: [] },
  exits: inboundMessageExits,
  Summary: InboundMessageSummary,
  Editor: InboundMessageEditor,
};
