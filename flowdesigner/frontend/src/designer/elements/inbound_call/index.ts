import type { ElementModule } from "../types";
import { inboundCallExits } from "./config";
import { InboundCallEditor } from "./Editor";
import { InboundCallSummary } from "./Summary";

/** Starts the caller when a voice gateway reports an incoming call to one of our numbers. */
export const inboundCall: ElementModule = {
  type: "inbound_call",
  defaults: { recipient: "", variables: { call_id: "", from: "", to: "" } },
  exits: inboundCallExits,
  Summary: InboundCallSummary,
  Editor: InboundCallEditor,
};
