import type { EditorProps } from "../types";
import { readAudience } from "./config";
import { PersonPicker } from "./PersonPicker";
import { TagPicker } from "./TagPicker";

export function AudienceEditor({ config, onChange }: EditorProps) {
  const { tags, persons } = readAudience(config);
  return (
    <>
      <fieldset className="field">
        <legend>Tags</legend>
        <TagPicker selected={tags} onChange={(next) => onChange({ ...config, tags: next })} />
      </fieldset>
      <fieldset className="field">
        <legend>Persons</legend>
        <PersonPicker selected={persons} onChange={(next) => onChange({ ...config, persons: next })} />
      </fieldset>
    </>
  );
}
