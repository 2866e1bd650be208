import type { ElementModule } from "../types";
import { EmailResultsEditor } from "./Editor";
import { EmailResultsSummary } from "./Summary";

/** Emails the results collected so far to addresses and/or the flow's admins, then goes on. */
export const emailResults: ElementModule = {
  type: "email_results",
  defaults: { emails: [], email_admins: false },
  exits: () => [{ name: "next", label: "Next" }],
  Summary: EmailResultsSummary,
  Editor: EmailResultsEditor,
};
