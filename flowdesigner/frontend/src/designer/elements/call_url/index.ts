import type { ElementModule } from "../types";
import { callUrlExits } from "./config";
import { CallUrlEditor } from "./Editor";
import { CallUrlSummary } from "./Summary";

/** An HTTP request on the participant's behalf, leaving through "success" or "failure". */
export const callUrl: ElementModule = {
  type: "call_url",
  defaults: {
    method: "POST",
    url: "https://",
    headers: [],
    body_type: "json",
    body: '{"person": {{ person.id }}}',
    timeout_seconds: 10,
    retries: 2,
    save: [],
  },
  exits: callUrlExits,
  Summary: CallUrlSummary,
  Editor: CallUrlEditor,
};
