import type { components } from "../shared/api-schema";
import { isObject } from "../shared/http";

/** A service the person can start from the inbox's service menu (an active poke of a published flow). */
export type Poke = components["schemas"]["InboxPoke"];

/** What starting a poke answers: the run, and whether this tap started it (false for a double tap). */
export type PokeStarted = components["schemas"]["PokeStarted"];

const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** The pokes as the server sent them; entries without a code or a label are left out. */
export function readPokes(raw: unknown): Poke[] {
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw
    .filter(isObject)
    .map((item) => ({
      code: str(item.code),
      tag: str(item.tag),
      label: str(item.label),
      description: str(item.description),
      flow_name: str(item.flow_name),
    }))
    .filter((poke) => poke.code !== "" && poke.label !== "");
}

export function readPokeStarted(raw: unknown, poke: Poke): PokeStarted {
  const data = isObject(raw) ? raw : {};
  return {
    run_id: str(data.run_id),
    started: data.started !== false,
    detail: str(data.detail) || `Started ${poke.label}.`,
  };
}
