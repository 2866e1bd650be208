import { useEffect, useState } from "react";
import { describeError } from "../../../shared/http";
import { useDesigner } from "../../context";
import type { Tag } from "../../types";

type TagsState = { status: "loading" } | { status: "loaded"; tags: Tag[] } | { status: "failed"; error: string };

interface TagPickerProps {
  selected: number[];
  onChange(tags: number[]): void;
  /** Test ids are "<prefix>-<tag id>"; two pickers in one panel need different prefixes. */
  testIdPrefix?: string;
}

export function TagPicker({ selected, onChange, testIdPrefix = "tag" }: TagPickerProps) {
  const { api } = useDesigner();
  const [state, setState] = useState<TagsState>({ status: "loading" });

  useEffect(() => {
    let current = true;
    api.tags().then(
      (tags) => current && setState({ status: "loaded", tags }),
      (error: unknown) => current && setState({ status: "failed", error: describeError(error) }),
    );
    return () => {
      current = false;
    };
  }, [api]);

  function toggle(tagId: number, checked: boolean) {
    onChange(checked ? [...selected, tagId] : selected.filter((id) => id !== tagId));
  }

  if (state.status === "loading") {
    return <p className="muted">Loading tags…</p>;
  }
  if (state.status === "failed") {
    return <p className="error-text">Tags could not be loaded: {state.error}</p>;
  }
  const knownIds = new Set(state.tags.map((tag) => tag.id));
  const missing = selected.filter((id) => !knownIds.has(id));
  return (
    <ul className="choice-list">
      {state.tags.map((tag) => (
        <li key={tag.id}>
          <label>
            <input
              type="checkbox"
              data-testid={`${testIdPrefix}-${tag.id}`}
              checked={selected.includes(tag.id)}
              onChange={(event) => toggle(tag.id, event.target.checked)}
            />
            {tag.name} <span className="muted">({tag.person_count} {tag.person_count === 1 ? "person" : "people"})</span>
          </label>
        </li>
      ))}
      {missing.map((id) => (
        <li key={id}>
          <label>
            <input type="checkbox" data-testid={`${testIdPrefix}-${id}`} checked onChange={() => toggle(id, false)} />
            Tag #{id} <span className="error-text">(no longer exists)</span>
          </label>
        </li>
      ))}
      {state.tags.length === 0 && missing.length === 0 && <li className="muted">There are no tags yet.</li>}
    </ul>
  );
}
