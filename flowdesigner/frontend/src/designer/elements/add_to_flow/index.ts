import type { ElementModule } from "../types";
import { addToFlowExits } from "./config";
import { AddToFlowEditor } from "./Editor";
import { AddToFlowSummary } from "./Summary";

/** Hands the participant to another flow's Existing Flow entry and carries on. */
export const addToFlow: ElementModule = {
  type: "add_to_flow",
  defaults: { flow: null, entry: "" },
  exits: addToFlowExits,
  Summary: AddToFlowSummary,
  Editor: AddToFlowEditor,
};
