import type { JsonObject } from "../../types";
import type { Exit } from "../types";

export interface Audience {
  tags: number[];
  segments: number[];
  persons: number[];
  companies: number[];
}

export function readAudience(config: JsonObject): Audience {
  return {
    tags: readIds(config.tags),
    segments: readIds(config.segments),
    persons: readIds(config.persons),
    companies: readIds(config.companies),
  };
}

function readIds(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => Number.isInteger(item)) : [];
}

export const AUDIENCE_UPDATES = ["never", "realtime"] as const;
export type AudienceUpdate = (typeof AUDIENCE_UPDATES)[number];

export const AUDIENCE_UPDATE_LABELS: Record<AudienceUpdate, string> = {
  never: "Never (static)",
  realtime: "In real time",
};

/** One line on what each choice does (the seed's "Update audience after launch"). */
export const AUDIENCE_UPDATE_HINTS: Record<AudienceUpdate, string> = {
  never: "Only the people who match when the flow is launched enter it, once.",
  realtime:
    "People who come to match while the flow is active enter it too; staff can add and remove people by hand.",
};

/** How the audience follows changes after launch; a config without the key is static, as the engine reads it. */
export function readAudienceUpdate(config: JsonObject): AudienceUpdate {
  return config.update === "realtime" ? "realtime" : "never";
}

export const audienceExits = (): Exit[] => [{ name: "next", label: "Next" }];

export function audienceSummary({ tags, segments, persons, companies }: Audience): string {
  const parts = [
    plural(tags.length, "tag"),
    plural(segments.length, "segment"),
    plural(companies.length, "company", "companies"),
    plural(persons.length, "person"),
  ].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(" · ") : "";
}

function plural(count: number, noun: string, nouns = `${noun}s`): string | null {
  if (count === 0) {
    return null;
  }
  return `${count} ${count === 1 ? noun : nouns}`;
}
