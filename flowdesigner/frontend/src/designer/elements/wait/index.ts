import type { ElementModule } from "../types";
import { waitExits } from "./config";
import { WaitEditor } from "./Editor";
import { WaitSummary } from "./Summary";

/** Holds the participant for a while, until a moment or a date of theirs, or until an event happens. */
export const wait: ElementModule = {
  type: "wait",
  defaults: { mode: "duration", duration: { amount: 1, unit: "days" } },
  exits: waitExits,
  Summary: WaitSummary,
  Editor: WaitEditor,
};
