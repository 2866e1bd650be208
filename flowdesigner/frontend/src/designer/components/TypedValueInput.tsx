import { useState } from "react";
import { coerceValue, valueText, type InputKind } from "../../segments/subjects";
import { listValue } from "../elements/update_person/config";

/** What the input edits: a value kind of the segment builder, or "list" (comma-separated texts). */
export type TypedKind = InputKind | "list";

/** The JSON value for the typed text (as the segment builder sends it); "" is null (no value). */
export function typedValue(kind: TypedKind, text: string): unknown {
  if (kind === "list") {
    const items = listValue(text);
    return items.length > 0 ? items : null;
  }
  return coerceValue(kind, text) ?? null;
}

/** The text an input shows for a stored value (the inverse of typedValue). */
export function typedText(kind: TypedKind, value: unknown): string {
  if (kind === "list") {
    return Array.isArray(value) ? value.join(", ") : value === undefined || value === null ? "" : String(value);
  }
  return valueText(kind, value);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

interface TypedValueInputProps {
  kind: TypedKind;
  value: unknown;
  onChange(value: unknown): void;
  label: string;
  testId: string;
  invalid?: boolean;
  describedBy?: string;
}

/**
 * One value of a data type: a number, a date, a date and time, yes/no, a number of days, a list or text.
 * The text stays as typed ("1." on its way to "1.5") while it still means the stored value; a value
 * changed elsewhere (another operator, another variable type) is shown afresh.
 */
export function TypedValueInput({ kind, value, onChange, label, testId, invalid = false, describedBy }: TypedValueInputProps) {
  const [text, setText] = useState(() => typedText(kind, value));
  const shown = same(typedValue(kind, text), value) ? text : typedText(kind, value);
  const common = {
    "data-testid": testId,
    "aria-label": label,
    "aria-invalid": invalid,
    "aria-describedby": describedBy,
    value: shown,
    onChange(event: { target: { value: string } }) {
      setText(event.target.value);
      onChange(typedValue(kind, event.target.value));
    },
  };
  switch (kind) {
    case "none":
      return null;
    case "boolean":
      return (
        <select {...common}>
          <option value="">Choose…</option>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      );
    case "days":
      return (
        <span className="days-input">
          <input {...common} type="number" min={0} max={36500} step={1} /> days
        </span>
      );
    case "number":
      return <input {...common} type="number" step="any" />;
    case "date":
      return <input {...common} type="date" />;
    case "datetime-local":
      return <input {...common} type="datetime-local" />;
    case "list":
      return <input {...common} placeholder="golf, tennis" />;
    case "list-item":
      return <input {...common} placeholder="a list item" />;
    default:
      return <input {...common} />;
  }
}
