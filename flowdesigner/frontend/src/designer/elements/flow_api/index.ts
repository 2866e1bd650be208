import type { ElementModule } from "../types";
import { flowApiExits } from "./config";
import { FlowApiEditor } from "./Editor";
import { FlowApiSummary } from "./Summary";

/** Starts people that other systems send to the flow's URL. */
export const flowApi: ElementModule = {
  type: "flow_api",
  defaults: {},
  exits: flowApiExits,
  Summary: FlowApiSummary,
  Editor: FlowApiEditor,
};
