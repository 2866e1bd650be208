import type { ElementModule } from "../types";
import { updatePersonExits } from "./config";
import { UpdatePersonEditor } from "./Editor";
import { UpdatePersonSummary } from "./Summary";

/** Sets or clears attributes of the participant's person (from a value, a variable or a template). */
export const updatePerson: ElementModule = {
  type: "update_person",
  defaults: { updates: [{ attribute: "", action: "set", source: "value", value: "" }] },
  exits: updatePersonExits,
  Summary: UpdatePersonSummary,
  Editor: UpdatePersonEditor,
};
