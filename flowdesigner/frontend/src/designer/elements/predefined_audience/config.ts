import type { JsonObject } from "../../types";
import type { Exit } from "../types";

export interface Audience {
  tags: number[];
  persons: number[];
}

export function readAudience(config: JsonObject): Audience {
  return { tags: readIds(config.tags), persons: readIds(config.persons) };
}

function readIds(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((item): item is number => Number.isInteger(item)) : [];
}

export const audienceExits = (): Exit[] => [{ name: "next", label: "Next" }];

export function audienceSummary({ tags, persons }: Audience): string {
  const parts = [plural(tags.length, "tag"), plural(persons.length, "person")].filter((part) => part !== null);
  return parts.length > 0 ? parts.join(" · ") : "";
}

function plural(count: number, noun: string): string | null {
  if (count === 0) {
    return null;
  }
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
