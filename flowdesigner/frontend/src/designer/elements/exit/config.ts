import type { JsonObject } from "../../types";

export function readExitName(config: JsonObject): string {
  return typeof config.name === "string" ? config.name : "";
}

/** Rogerthat's "wait for follow-up message": the results are sent, and the person's conversation stays
 * open for a message the service may send in reply. */
export function readWaitForFollowUp(config: JsonObject): boolean {
  return config.wait_for_follow_up === true;
}
