import type { AttributeInfo } from "../../../segments/types";
import { useOperatorTable } from "../../catalog";
import { DurationInput } from "../../components/DurationInput";
import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { durationProblem } from "../../timing";
import type { EditorProps } from "../types";
import {
  DATE_OPERATOR_HINTS,
  DATE_OPERATOR_LABELS,
  DATE_OPERATORS,
  DEFAULT_OFFSET,
  offsetUnits,
  readDateTime,
  takesOffset,
  withDateAttribute,
  withDateOperator,
  type DateOperator,
} from "./config";

export function DateTimeEditor({ nodeId, config, onChange }: EditorProps) {
  const { attribute, operator, offset } = readDateTime(config);
  const table = useOperatorTable();
  const issuesAt = useIssuesAt(nodeId);
  const dates =
    table.status === "loaded"
      ? table.value.attributes.filter((info) => info.data_type === "DATE" || info.data_type === "DATETIME")
      : [];
  const chosen = dates.find((info) => info.key === attribute);
  // The server's word on the offset when it has one, else the same rule checked here as it is typed.
  const offsetIssues = issuesAt("config.offset", true);
  const offsetProblem = takesOffset(operator) ? durationProblem(offset, "time before or after", true) : null;

  return (
    <>
      <p className="hint muted">People enter at a moment set by a date of theirs, in their own timezone.</p>
      <label className="field">
        <span>Date attribute</span>
        <DateAttributeSelect
          attribute={attribute}
          dates={dates}
          status={table.status}
          invalid={issuesAt("config.attribute").length > 0}
          onChange={(key) =>
            onChange(withDateAttribute(config, key, dates.find((info) => info.key === key)?.data_type))
          }
        />
        {table.status === "failed" && <span className="error-text">Attributes could not be loaded: {table.error}</span>}
        <FieldIssues messages={issuesAt("config.attribute")} />
        {attribute === "birth_date" && (
          <span className="hint muted">The birth date counts as a birthday: “is today” starts people on it every year.</span>
        )}
      </label>
      <label className="field">
        <span>When the date</span>
        <select
          data-testid="field-date-operator"
          value={operator}
          onChange={(event) => onChange(withDateOperator(config, event.target.value as DateOperator))}
        >
          {DATE_OPERATORS.map((name) => (
            <option key={name} value={name}>
              {DATE_OPERATOR_LABELS[name]}
            </option>
          ))}
        </select>
        <span className="hint muted">{DATE_OPERATOR_HINTS[operator]}</span>
      </label>
      {takesOffset(operator) && (
        <div className="field">
          <span>{operator === "was" ? "How long after" : "How long before"}</span>
          <DurationInput
            testId="field-date-offset"
            label={operator === "was" ? "Time after the date" : "Time before the date"}
            min={0}
            units={offsetUnits(chosen?.data_type)}
            value={offset ?? DEFAULT_OFFSET}
            onChange={(next) => onChange({ ...config, offset: next })}
          />
          {chosen?.data_type === "DATE" && (
            <span className="hint muted">A date has no time of day: minutes and hours need a date-and-time attribute.</span>
          )}
          <FieldIssues messages={offsetIssues.length > 0 ? offsetIssues : offsetProblem ? [offsetProblem] : []} />
        </div>
      )}
    </>
  );
}

interface DateAttributeSelectProps {
  attribute: string;
  dates: AttributeInfo[];
  status: "loading" | "loaded" | "failed";
  invalid: boolean;
  onChange(attribute: string): void;
}

/** The person's date and date-time attributes, standard (birth date) and custom; typed by hand when they
 * could not be loaded. */
function DateAttributeSelect({ attribute, dates, status, invalid, onChange }: DateAttributeSelectProps) {
  if (status === "failed") {
    return (
      <input
        data-testid="field-date-attribute"
        value={attribute}
        placeholder="birth_date"
        aria-invalid={invalid}
        onChange={(event) => onChange(event.target.value)}
      />
    );
  }
  const known = dates.some((info) => info.key === attribute);
  return (
    <select
      data-testid="field-date-attribute"
      value={attribute}
      disabled={status === "loading"}
      aria-invalid={invalid || !attribute}
      onChange={(event) => onChange(event.target.value)}
    >
      <option value="">Choose a date…</option>
      {dates.map((info) => (
        <option key={info.key} value={info.key}>
          {info.label} ({info.key}) · {info.data_type === "DATE" ? "date" : "date and time"}
        </option>
      ))}
      {attribute && !known && (
        <option value={attribute}>
          {attribute}
          {status === "loaded" ? " (unknown)" : ""}
        </option>
      )}
    </select>
  );
}
