import { useCallback } from "react";
import { useDesigner } from "../../context";
import type { EditorProps } from "../types";
import { ChoicePicker } from "./ChoicePicker";
import {
  AUDIENCE_UPDATE_HINTS,
  AUDIENCE_UPDATE_LABELS,
  AUDIENCE_UPDATES,
  readAudience,
  readAudienceUpdate,
  type AudienceUpdate,
} from "./config";
import { PersonPicker } from "./PersonPicker";
import { TagPicker } from "./TagPicker";

export function AudienceEditor({ config, onChange }: EditorProps) {
  const { api } = useDesigner();
  const { tags, segments, persons, companies } = readAudience(config);
  const loadSegments = useCallback(async () => (await api.segments()).results, [api]);
  const countSegment = useCallback(async (id: number) => (await api.segmentCount(id)).count, [api]);
  const loadCompanies = useCallback(
    async () => (await api.companies()).results.map((c) => ({ id: c.id, name: c.name, count: c.person_count })),
    [api],
  );
  return (
    <>
      <AudienceUpdateField
        value={readAudienceUpdate(config)}
        onChange={(update) => onChange({ ...config, update })}
      />
      <fieldset className="field">
        <legend>Tags</legend>
        <TagPicker selected={tags} onChange={(next) => onChange({ ...config, tags: next })} />
      </fieldset>
      <fieldset className="field">
        <legend>Segments</legend>
        <ChoicePicker
          noun="segment"
          load={loadSegments}
          loadCount={countSegment}
          selected={segments}
          onChange={(next) => onChange({ ...config, segments: next })}
        />
      </fieldset>
      <fieldset className="field">
        <legend>Companies</legend>
        <ChoicePicker
          noun="company"
          load={loadCompanies}
          selected={companies}
          onChange={(next) => onChange({ ...config, companies: next })}
        />
      </fieldset>
      <fieldset className="field">
        <legend>Persons</legend>
        <PersonPicker selected={persons} onChange={(next) => onChange({ ...config, persons: next })} />
      </fieldset>
    </>
  );
}

function AudienceUpdateField({ value, onChange }: { value: AudienceUpdate; onChange(value: AudienceUpdate): void }) {
  return (
    <label className="field">
      <span>Update audience after launch</span>
      <select
        data-testid="field-audience-update"
        value={value}
        aria-describedby="audience-update-hint"
        onChange={(event) => onChange(event.target.value as AudienceUpdate)}
      >
        {AUDIENCE_UPDATES.map((update) => (
          <option key={update} value={update}>
            {AUDIENCE_UPDATE_LABELS[update]}
          </option>
        ))}
      </select>
      <span id="audience-update-hint" className="hint muted" data-testid="audience-update-hint">
        {AUDIENCE_UPDATE_HINTS[value]}
      </span>
    </label>
  );
}
