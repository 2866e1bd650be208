/** Existing Flow (engine/core/elements/existing_flow.py): no config; other flows' "Add to flow" steps
 * hand their participants (with their variables) to it. */
import type { Exit } from "../types";

export const existingFlowExits = (): Exit[] => [{ name: "next", label: "Next" }];
