import type { ElementModule } from "../types";
import { updateTagsExits } from "./config";
import { UpdateTagsEditor } from "./Editor";
import { UpdateTagsSummary } from "./Summary";

/** Adds and removes tags on the participant's person, then goes on. */
export const updateTags: ElementModule = {
  type: "update_tags",
  defaults: { add: [], remove: [] },
  exits: updateTagsExits,
  Summary: UpdateTagsSummary,
  Editor: UpdateTagsEditor,
};
