import type { ElementModule } from "../types";
import { profileChangeExits } from "./config";
import { ProfileChangeEditor } from "./Editor";
import { ProfileChangeSummary } from "./Summary";

/** Starts people when a change to their profile makes the conditions on their attributes true. */
export const profileChange: ElementModule = {
  type: "profile_change",
  defaults: { rules: { op: "and", rules: [] } },
  exits: profileChangeExits,
  Summary: ProfileChangeSummary,
  Editor: ProfileChangeEditor,
};
