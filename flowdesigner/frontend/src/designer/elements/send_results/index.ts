import type { ElementModule } from "../types";
import { SendResultsEditor } from "./Editor";
import { SendResultsSummary } from "./Summary";

/** Rogerthat's results flush: delivers the results collected so far to the service, then goes on. */
export const sendResults: ElementModule = {
  type: "send_results",
  defaults: {},
  exits: () => [{ name: "next", label: "Next" }],
  Summary: SendResultsSummary,
  Editor: SendResultsEditor,
};
