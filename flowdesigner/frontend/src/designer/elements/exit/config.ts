import type { JsonObject } from "../../types";

export function readExitName(config: JsonObject): string {
  return typeof config.name === "string" ? config.name : "";
}
