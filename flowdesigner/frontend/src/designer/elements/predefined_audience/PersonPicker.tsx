import { useEffect, useState } from "react";
import { describeError, isAbort } from "../../../shared/http";
import { useDebouncedValue } from "../../../shared/useDebouncedValue";
import { useDesigner } from "../../context";
import type { Person } from "../../types";

const SEARCH_DELAY_MS = 300;

interface Results {
  query: string;
  persons: Person[];
  count: number;
}

interface PersonPickerProps {
  selected: number[];
  onChange(persons: number[]): void;
}

export function PersonPicker({ selected, onChange }: PersonPickerProps) {
  const { api } = useDesigner();
  const [text, setText] = useState("");
  const query = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);
  const [results, setResults] = useState<Results | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Names of chosen persons: from the search results, or looked up by id (?ids=) for those chosen
  // before this editor opened.
  const [known, setKnown] = useState<ReadonlyMap<number, Person>>(new Map());
  const [missing, setMissing] = useState<ReadonlySet<number>>(new Set());
  const unknownIds = selected.filter((id) => !known.has(id) && !missing.has(id));
  const unknownKey = unknownIds.join(",");

  useEffect(() => {
    if (!unknownKey) {
      return;
    }
    let current = true;
    const ids = unknownKey.split(",").map(Number);
    api.personsByIds(ids).then(
      (page) => {
        if (!current) {
          return;
        }
        setKnown((map) => {
          const next = new Map(map);
          for (const person of page.results) {
            next.set(person.id, person);
          }
          return next;
        });
        const found = new Set(page.results.map((person) => person.id));
        setMissing((set) => new Set([...set, ...ids.filter((id) => !found.has(id))]));
      },
      () => undefined, // the chosen list still shows "Person #id"
    );
    return () => {
      current = false;
    };
  }, [api, unknownKey]);

  useEffect(() => {
    if (!query) {
      return;
    }
    const controller = new AbortController();
    api.searchPersons(query, controller.signal).then(
      (page) => {
        setResults({ query, persons: page.results, count: page.count });
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) {
          setError(describeError(failure));
        }
      },
    );
    return () => controller.abort();
  }, [api, query]);

  function add(person: Person) {
    setKnown((map) => new Map(map).set(person.id, person));
    onChange([...selected, person.id]);
  }

  const shown = query && results?.query === query ? results : null;
  return (
    <div className="person-picker">
      <ul className="chosen-list" aria-label="Chosen persons">
        {selected.map((id) => (
          <li key={id}>
            <span data-testid={`chosen-person-${id}`}>
              {personLabel(known.get(id)) ?? `Person #${id}`}
              {missing.has(id) && <span className="error-text"> (no longer exists)</span>}
            </span>
            <button
              type="button"
              data-testid={`remove-person-${id}`}
              onClick={() => onChange(selected.filter((other) => other !== id))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <label>
        <span>Find a person</span>
        <input
          type="search"
          data-testid="person-search"
          placeholder="Name, email or phone"
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
      {error && <p className="error-text">{error}</p>}
      {shown && (
        <ul className="search-results">
          {shown.persons.map((person) => (
            <li key={person.id}>
              <button
                type="button"
                data-testid={`person-result-${person.id}`}
                disabled={selected.includes(person.id)}
                onClick={() => add(person)}
              >
                {personLabel(person)}
                {person.email && <span className="muted"> {person.email}</span>}
              </button>
            </li>
          ))}
          {shown.persons.length === 0 && <li className="muted">No one found.</li>}
          {shown.count > shown.persons.length && (
            <li className="muted">
              Showing {shown.persons.length} of {shown.count}; type more to narrow the search.
            </li>
          )}
        </ul>
      )}
    </div>
  );
}

function personLabel(person: Person | undefined): string | null {
  if (!person) {
    return null;
  }
  const name = `${person.first_name} ${person.last_name}`.trim();
  return name || person.email || person.phone || `Person #${person.id}`;
}
