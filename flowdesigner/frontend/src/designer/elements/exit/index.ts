import type { ElementModule } from "../types";
import { ExitEditor } from "./Editor";
import { ExitSummary } from "./Summary";

export const exit: ElementModule = {
  type: "exit",
  defaults: { name: "" },
  // The flow ends here.
  exits: () => [],
  Summary: ExitSummary,
  Editor: ExitEditor,
};
