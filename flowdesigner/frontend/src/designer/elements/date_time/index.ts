import type { ElementModule } from "../types";
import { dateTimeExits } from "./config";
import { DateTimeEditor } from "./Editor";
import { DateTimeSummary } from "./Summary";

/** Starts people at a moment set by a date or date-time attribute of theirs ("is in 4 hours", "is today"). */
export const dateTime: ElementModule = {
  type: "date_time",
  defaults: { attribute: "", operator: "is_today" },
  exits: dateTimeExits,
  Summary: DateTimeSummary,
  Editor: DateTimeEditor,
};
