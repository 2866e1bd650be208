import { useTags } from "../../catalog";
import { TagPicker } from "../predefined_audience/TagPicker";
import type { EditorProps } from "../types";
import { conflictingTags, readTagChanges } from "./config";

export function UpdateTagsEditor({ config, onChange }: EditorProps) {
  const changes = readTagChanges(config);
  const tags = useTags();
  const conflicts = conflictingTags(changes);
  const name = (id: number) => (tags.status === "loaded" ? tags.value.find((tag) => tag.id === id)?.name : undefined) ?? `#${id}`;
  return (
    <>
      <fieldset className="field">
        <legend>Add tags</legend>
        <TagPicker testIdPrefix="add-tag" selected={changes.add} onChange={(add) => onChange({ ...config, add })} />
      </fieldset>
      <fieldset className="field">
        <legend>Remove tags</legend>
        <TagPicker testIdPrefix="remove-tag" selected={changes.remove} onChange={(remove) => onChange({ ...config, remove })} />
      </fieldset>
      {conflicts.length > 0 && (
        <p className="error-text" data-testid="tag-conflict">
          A tag cannot be both added and removed: {conflicts.map(name).join(", ")}.
        </p>
      )}
    </>
  );
}
