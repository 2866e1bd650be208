import { useAttributes } from "../catalog";
import { attributeOptions } from "../elements/form_message/config";
import {
  conditionProblem,
  INBOUND_OPERATOR_LABELS,
  INBOUND_OPERATORS,
  isInboundOperator,
  newCondition,
  TEXT_OPERATORS,
  withOperator,
  type InboundCondition,
} from "../inbound";
import { FieldIssues } from "./FieldIssues";

/** What each operator does, under its row (the seed's wording, shortened). */
const OPERATOR_HINTS: Record<string, string> = {
  matches_text: "The whole message is one of these values and nothing else. Case is ignored.",
  contains_text: "The message contains one of these values anywhere, even inside a word. Case is ignored.",
  contains_word: "The message contains one of these values as a whole word. Case is ignored.",
  matches_regex: "The pattern (RE2 syntax) is found anywhere in the message.",
  equals_attribute: "The message contains the person's value of this attribute. Case is ignored.",
  anything: "Any message. Conditions that match exactly go first.",
};

interface InboundConditionListProps {
  /** "inbound-condition" gives rows "inbound-condition-0", their operator "inbound-condition-0-operator", ... */
  testId: string;
  conditions: readonly InboundCondition[];
  onChange(conditions: InboundCondition[]): void;
  /** The server's messages about the condition at `index` (and anything inside it). */
  messagesAt(index: number): string[];
}

/**
 * The conditions an inbound text is compared with; any one of them matching is enough. Shared by the
 * Inbound Message entry and the branches of Evaluate inbound reply.
 */
export function InboundConditionList({ testId, conditions, onChange, messagesAt }: InboundConditionListProps) {
  return (
    <>
      {conditions.length > 0 && (
        <ol className="inbound-conditions">
          {conditions.map((condition, index) => (
            <InboundConditionRow
              // Rows are positional: nothing else identifies a condition.
              key={index}
              testId={`${testId}-${index}`}
              number={index + 1}
              condition={condition}
              messages={messagesAt(index)}
              onChange={(changed) => onChange(conditions.with(index, changed))}
              onRemove={() => onChange(conditions.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
      )}
      <button type="button" data-testid={`${testId}-add`} onClick={() => onChange([...conditions, newCondition()])}>
        Add condition
      </button>
    </>
  );
}

interface InboundConditionRowProps {
  testId: string;
  number: number;
  condition: InboundCondition;
  messages: string[];
  onChange(condition: InboundCondition): void;
  onRemove(): void;
}

function InboundConditionRow({ testId, number, condition, messages, onChange, onRemove }: InboundConditionRowProps) {
  const problem = conditionProblem(condition);
  const shown = messages.length > 0 ? messages : problem ? [problem] : [];
  return (
    <li className={`inbound-condition${shown.length > 0 ? " has-error" : ""}`} data-testid={testId}>
      <div className="inbound-condition-head">
        <select
          data-testid={`${testId}-operator`}
          aria-label={`Operator of condition ${number}`}
          value={condition.operator}
          onChange={(event) => onChange(withOperator(condition, event.target.value))}
        >
          {!isInboundOperator(condition.operator) && <option value={condition.operator}>{condition.operator}</option>}
          {INBOUND_OPERATORS.map((operator) => (
            <option key={operator} value={operator}>
              {INBOUND_OPERATOR_LABELS[operator]}
            </option>
          ))}
        </select>
        <button type="button" data-testid={`${testId}-remove`} aria-label={`Remove condition ${number}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      {TEXT_OPERATORS.has(condition.operator) && (
        <ValueList testId={testId} values={condition.values} onChange={(values) => onChange({ ...condition, values })} />
      )}
      {condition.operator === "matches_regex" && <PatternFields testId={testId} condition={condition} onChange={onChange} />}
      {condition.operator === "equals_attribute" && (
        <AttributeSelect
          testId={`${testId}-attribute`}
          value={condition.attribute}
          onChange={(attribute) => onChange({ ...condition, attribute })}
        />
      )}
      {OPERATOR_HINTS[condition.operator] && <p className="hint muted">{OPERATOR_HINTS[condition.operator]}</p>}
      <FieldIssues messages={shown} />
    </li>
  );
}

/** One input per value; any of them matching is enough. */
function ValueList({ testId, values, onChange }: { testId: string; values: string[]; onChange(values: string[]): void }) {
  return (
    <div className="inbound-values">
      {values.map((value, index) => (
        <div key={index} className="choice-row">
          <input
            data-testid={`${testId}-value-${index}`}
            aria-label={`Value ${index + 1}`}
            value={value}
            placeholder="yes"
            aria-invalid={value.trim() === ""}
            onChange={(event) => onChange(values.with(index, event.target.value))}
          />
          {values.length > 1 && (
            <button
              type="button"
              className="link"
              data-testid={`${testId}-remove-value-${index}`}
              aria-label={`Remove value ${index + 1}`}
              onClick={() => onChange(values.filter((_, other) => other !== index))}
            >
              Remove
            </button>
          )}
        </div>
      ))}
      <button type="button" className="secondary" data-testid={`${testId}-add-value`} onClick={() => onChange([...values, ""])}>
        + Value
      </button>
    </div>
  );
}

function PatternFields({
  testId,
  condition,
  onChange,
}: {
  testId: string;
  condition: InboundCondition;
  onChange(condition: InboundCondition): void;
}) {
  return (
    <div className="inbound-pattern">
      <input
        className="code"
        data-testid={`${testId}-pattern`}
        aria-label="Regular expression"
        value={condition.pattern}
        placeholder="^(yes|y)$"
        spellCheck={false}
        aria-invalid={condition.pattern === ""}
        onChange={(event) => onChange({ ...condition, pattern: event.target.value })}
      />
      <label className="check">
        <input
          type="checkbox"
          data-testid={`${testId}-ignore-case`}
          checked={condition.ignore_case}
          onChange={(event) => onChange({ ...condition, ignore_case: event.target.checked })}
        />
        Ignore case
      </label>
      <label className="check">
        <input
          type="checkbox"
          data-testid={`${testId}-multiline`}
          checked={condition.multiline}
          onChange={(event) => onChange({ ...condition, multiline: event.target.checked })}
        />
        Multiline: any line may match
      </label>
    </div>
  );
}

/** A standard or custom person attribute; a stored key nobody has any more is kept and marked. */
function AttributeSelect({ testId, value, onChange }: { testId: string; value: string; onChange(key: string): void }) {
  const attributes = useAttributes();
  const options = attributeOptions(attributes.status === "loaded" ? attributes.value : []);
  return (
    <>
      <select data-testid={testId} aria-label="Person attribute" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">Choose an attribute…</option>
        {options.map(([key, label]) => (
          <option key={key} value={key}>
            {label} ({key})
          </option>
        ))}
        {value && !options.some(([key]) => key === value) && <option value={value}>{value} (unknown)</option>}
      </select>
      {attributes.status === "failed" && (
        <span className="error-text">Custom attributes could not be loaded: {attributes.error}</span>
      )}
    </>
  );
}
