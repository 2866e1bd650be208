import type { ElementModule } from "../types";
import { ExitEditor } from "./Editor";
import { ExitSummary } from "./Summary";

export const exit: ElementModule = {
  type: "exit",
  // Named as the engine names a new exit: an unnamed exit is a validation issue.
  defaults: { name: "Exit" },
  // The flow ends here.
  exits: () => [],
  Summary: ExitSummary,
  Editor: ExitEditor,
};
