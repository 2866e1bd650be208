import type { JsonObject } from "../../types";
import type { Exit } from "../types";

export interface TagChanges {
  add: number[];
  remove: number[];
}

const ids = (value: unknown): number[] =>
  Array.isArray(value) ? value.filter((item): item is number => Number.isInteger(item)) : [];

export function readTagChanges(config: JsonObject): TagChanges {
  return { add: ids(config.add), remove: ids(config.remove) };
}

export const updateTagsExits = (): Exit[] => [{ name: "next", label: "Next" }];

/** "Add VIP, Gold · Remove trial", with "tag #3" for a tag whose name is not known (yet). */
export function tagChangesSummary({ add, remove }: TagChanges, names: ReadonlyMap<number, string>): string {
  const name = (id: number) => names.get(id) ?? `tag #${id}`;
  const parts: string[] = [];
  if (add.length > 0) {
    parts.push(`Add ${add.map(name).join(", ")}`);
  }
  if (remove.length > 0) {
    parts.push(`Remove ${remove.map(name).join(", ")}`);
  }
  return parts.join(" · ");
}

/** The tags both added and removed (the engine refuses that). */
export function conflictingTags({ add, remove }: TagChanges): number[] {
  return add.filter((id) => remove.includes(id));
}
