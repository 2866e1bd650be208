import { useEffect, useState } from "react";
import { describeError } from "../../../shared/http";

export interface Choice {
  id: number;
  name: string;
  /** How many persons it holds; undefined while unknown. */
  count?: number | null;
}

type ChoicesState =
  | { status: "loading" }
  | { status: "loaded"; choices: Choice[] }
  | { status: "failed"; error: string };

interface ChoicePickerProps {
  /** "segment" or "company": the test ids ("segment-3") and the texts say it. */
  noun: string;
  load(): Promise<Choice[]>;
  /** Counts that are not in the list response (segments are counted one by one). */
  loadCount?(id: number): Promise<number>;
  selected: number[];
  onChange(ids: number[]): void;
}

/** A checkbox list of named things with their person counts; ids chosen earlier but since deleted
 * stay listed (and can be unticked) so a stale choice is visible. */
export function ChoicePicker({ noun, load, loadCount, selected, onChange }: ChoicePickerProps) {
  const [state, setState] = useState<ChoicesState>({ status: "loading" });
  const [counts, setCounts] = useState<ReadonlyMap<number, number | null>>(new Map());

  useEffect(() => {
    let current = true;
    load().then(
      (choices) => {
        if (!current) {
          return;
        }
        setState({ status: "loaded", choices });
        for (const choice of loadCount ? choices : []) {
          loadCount?.(choice.id).then(
            (count) => current && setCounts((map) => new Map(map).set(choice.id, count)),
            () => current && setCounts((map) => new Map(map).set(choice.id, null)),
          );
        }
      },
      (error: unknown) => current && setState({ status: "failed", error: describeError(error) }),
    );
    return () => {
      current = false;
    };
  }, [load, loadCount]);

  function toggle(id: number, checked: boolean) {
    onChange(checked ? [...selected, id] : selected.filter((other) => other !== id));
  }

  if (state.status === "loading") {
    return <p className="muted">Loading {noun === "company" ? "companies" : `${noun}s`}…</p>;
  }
  if (state.status === "failed") {
    return <p className="error-text">Could not load them: {state.error}</p>;
  }
  const known = new Set(state.choices.map((choice) => choice.id));
  const missing = selected.filter((id) => !known.has(id));
  return (
    <ul className="choice-list">
      {state.choices.map((choice) => {
        const count = choice.count ?? counts.get(choice.id);
        return (
          <li key={choice.id}>
            <label>
              <input
                type="checkbox"
                data-testid={`${noun}-${choice.id}`}
                checked={selected.includes(choice.id)}
                onChange={(event) => toggle(choice.id, event.target.checked)}
              />
              {choice.name}{" "}
              <span className="muted" data-testid={`${noun}-count-${choice.id}`}>
                ({count === undefined ? "…" : count === null ? "?" : `${count} ${count === 1 ? "person" : "people"}`})
              </span>
            </label>
          </li>
        );
      })}
      {missing.map((id) => (
        <li key={id}>
          <label>
            <input type="checkbox" data-testid={`${noun}-${id}`} checked onChange={() => toggle(id, false)} />
            {noun} #{id} <span className="error-text">(no longer exists)</span>
          </label>
        </li>
      ))}
      {state.choices.length === 0 && missing.length === 0 && (
        <li className="muted">There are no {noun === "company" ? "companies" : `${noun}s`} yet.</li>
      )}
    </ul>
  );
}
