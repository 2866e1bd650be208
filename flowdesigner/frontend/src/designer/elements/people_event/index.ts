import type { ElementModule } from "../types";
import { peopleEventExits } from "./config";
import { PeopleEventEditor } from "./Editor";
import { PeopleEventSummary } from "./Summary";

/** Starts people when an event of theirs (with what else happened or not) makes the conditions true. */
export const peopleEvent: ElementModule = {
  type: "people_event",
  defaults: { conditions: [], save: [], include_historical: false },
  exits: peopleEventExits,
  Summary: PeopleEventSummary,
  Editor: PeopleEventEditor,
};
