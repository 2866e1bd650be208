import type { ElementModule } from "../types";
import { existingFlowExits } from "./config";
import { ExistingFlowEditor } from "./Editor";
import { ExistingFlowSummary } from "./Summary";

/** Takes people in from other flows' "Add to flow" steps. */
export const existingFlow: ElementModule = {
  type: "existing_flow",
  defaults: {},
  exits: existingFlowExits,
  Summary: ExistingFlowSummary,
  Editor: ExistingFlowEditor,
};
