import { useMemo } from "react";
import { inputKind } from "../../../segments/subjects";
import type { AttributeInfo, OperatorInfo, OperatorTable } from "../../../segments/types";
import { useOperatorTable } from "../../catalog";
import { DurationInput } from "../../components/DurationInput";
import { FieldIssues } from "../../components/FieldIssues";
import { TypedValueInput } from "../../components/TypedValueInput";
import { useDesigner, useIssuesOf } from "../../context";
import { readDuration, type Unit } from "../../timing";
import type { FlowVariable } from "../../variables";
import type { EditorProps } from "../types";
import {
  attributeOperators,
  emptyGroup,
  isGroup,
  isVariableValue,
  pathId,
  placeRuleIssues,
  readRules,
  withAttribute,
  withOperator,
  withValueSource,
  type AttributeCondition,
  type RuleGroup,
  type RuleNode,
} from "./config";

export function ProfileChangeEditor({ nodeId, config, onChange }: EditorProps) {
  const rules = readRules(config);
  const table = useOperatorTable();
  const issues = useIssuesOf(nodeId);
  const placed = useMemo(() => placeRuleIssues(issues), [issues]);

  return (
    <>
      <p className="hint muted" data-testid="profile-change-explanation">
        Starts when a change makes this true (not on every later change while it stays true); date operators such as
        “is today” start people on that day in their timezone.
      </p>
      <FieldIssues messages={placed.general} />
      {table.status === "loading" && <p className="muted">Loading the attributes…</p>}
      {table.status === "failed" && (
        <p className="error-text">The attributes could not be loaded ({table.error}); reopen this entry to try again.</p>
      )}
      {table.status === "loaded" && (
        <RuleGroupEditor
          group={rules}
          path=""
          table={table.value}
          messagesAt={(path) => placed.byPath.get(path) ?? []}
          onChange={(group) => onChange({ ...config, rules: group })}
        />
      )}
    </>
  );
}

interface RuleGroupEditorProps {
  group: RuleGroup;
  /** "" for the top group, "rules[1]" for a group inside it. */
  path: string;
  table: OperatorTable;
  messagesAt(path: string): string[];
  onChange(group: RuleGroup): void;
  onRemove?(): void;
}

/** A group of conditions joined by AND or OR; the top group may hold groups of its own. */
function RuleGroupEditor({ group, path, table, messagesAt, onChange, onRemove }: RuleGroupEditorProps) {
  const childPath = (index: number) => (path ? `${path}.rules[${index}]` : `rules[${index}]`);
  const setChild = (index: number, node: RuleNode) => onChange({ ...group, rules: group.rules.with(index, node) });
  const removeChild = (index: number) => onChange({ ...group, rules: group.rules.filter((_, other) => other !== index) });
  const id = pathId(path) || "root";
  return (
    <fieldset className={`rule-group op-${group.op}`} data-testid={`profile-group-${id}`}>
      <legend>
        <button
          type="button"
          className="group-op"
          data-testid={`profile-group-op-${id}`}
          aria-label={`${group.op.toUpperCase()}: match ${group.op === "and" ? "all" : "any"} of these; switch`}
          onClick={() => onChange({ ...group, op: group.op === "and" ? "or" : "and" })}
        >
          {group.op.toUpperCase()}
        </button>
        <span className="muted">{group.op === "and" ? "all of these" : "any of these"}</span>
        {onRemove && (
          <button type="button" className="link" onClick={onRemove}>
            Remove group
          </button>
        )}
      </legend>
      {group.rules.length === 0 && <p className="muted">No conditions yet.</p>}
      <ol className="rule-list">
        {group.rules.map((node, index) => (
          <li key={index}>
            {index > 0 && <span className="joiner">{group.op}</span>}
            {isGroup(node) ? (
              <RuleGroupEditor
                group={node}
                path={childPath(index)}
                table={table}
                messagesAt={messagesAt}
                onChange={(changed) => setChild(index, changed)}
                onRemove={() => removeChild(index)}
              />
            ) : (
              <ConditionRow
                condition={node}
                path={childPath(index)}
                table={table}
                messages={messagesAt(childPath(index))}
                onChange={(changed) => setChild(index, changed)}
                onRemove={() => removeChild(index)}
              />
            )}
          </li>
        ))}
      </ol>
      <div className="group-actions">
        <button
          type="button"
          className="secondary"
          data-testid={`profile-add-condition-${id}`}
          onClick={() => onChange({ ...group, rules: [...group.rules, { attribute: "", operator: "" }] })}
        >
          + Condition
        </button>
        {/* One level of groups covers the seed's "criteria in a condition, several conditions". */}
        {path === "" && (
          <button
            type="button"
            className="secondary"
            data-testid="profile-add-group"
            onClick={() =>
              onChange({ ...group, rules: [...group.rules, { ...emptyGroup(group.op === "and" ? "or" : "and"), rules: [{ attribute: "", operator: "" }] }] })
            }
          >
            + Group
          </button>
        )}
      </div>
    </fieldset>
  );
}

interface ConditionRowProps {
  condition: AttributeCondition;
  path: string;
  table: OperatorTable;
  messages: string[];
  onChange(condition: AttributeCondition): void;
  onRemove(): void;
}

/** Attribute, operator (those of its data type), and a value or a flow variable to compare with. */
function ConditionRow({ condition, path, table, messages, onChange, onRemove }: ConditionRowProps) {
  const id = `profile-condition-${pathId(path)}`;
  const attribute = table.attributes.find((info) => info.key === condition.attribute);
  const operators = attributeOperators(table, condition.attribute);
  const operator = operators.find((op) => op.name === condition.operator);
  return (
    <div className={`rule-condition${messages.length > 0 ? " has-error" : ""}`} data-testid={id}>
      <AttributeSelect
        testId={`${id}-attribute`}
        value={condition.attribute}
        attributes={table.attributes}
        invalid={!attribute}
        onChange={(key) => onChange(withAttribute(table, condition, key))}
      />
      <select
        data-testid={`${id}-operator`}
        aria-label="Operator"
        value={condition.operator}
        disabled={operators.length === 0}
        onChange={(event) => onChange(withOperator(table, condition, event.target.value))}
      >
        {!operator && <option value={condition.operator}>{condition.operator || "—"}</option>}
        {operators.map((op) => (
          <option key={op.name} value={op.name}>
            {op.label}
          </option>
        ))}
      </select>
      {operator && operator.value !== "none" && (
        <ComparedWith testId={id} condition={condition} operator={operator} attribute={attribute} onChange={onChange} />
      )}
      <button type="button" className="link" data-testid={`${id}-remove`} aria-label="Remove condition" onClick={onRemove}>
        Remove
      </button>
      <FieldIssues messages={messages} />
    </div>
  );
}

interface AttributeSelectProps {
  testId: string;
  value: string;
  attributes: AttributeInfo[];
  invalid: boolean;
  onChange(key: string): void;
}

/** Standard then custom attributes, as the segment builder lists them; nothing else can start this entry. */
function AttributeSelect({ testId, value, attributes, invalid, onChange }: AttributeSelectProps) {
  const known = attributes.some((info) => info.key === value);
  return (
    <select data-testid={testId} aria-label="Attribute" aria-invalid={invalid} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose an attribute…</option>
      <optgroup label="Standard attributes">
        {attributes
          .filter((info) => info.standard)
          .map((info) => (
            <option key={info.key} value={info.key}>
              {info.label}
            </option>
          ))}
      </optgroup>
      {attributes.some((info) => !info.standard) && (
        <optgroup label="Custom attributes">
          {attributes
            .filter((info) => !info.standard)
            .map((info) => (
              <option key={info.key} value={info.key}>
                {info.label} ({info.key})
              </option>
            ))}
        </optgroup>
      )}
      {value && !known && <option value={value}>{value} (no longer exists)</option>}
    </select>
  );
}

interface ComparedWithProps {
  testId: string;
  condition: AttributeCondition;
  operator: OperatorInfo;
  attribute: AttributeInfo | undefined;
  onChange(condition: AttributeCondition): void;
}

/** The "value / flow variable" switch and the input of the one chosen. */
function ComparedWith({ testId, condition, operator, attribute, onChange }: ComparedWithProps) {
  const { variables } = useDesigner();
  const source = isVariableValue(condition.value) ? "variable" : "value";
  const setValue = (value: unknown) =>
    onChange(value === null ? { attribute: condition.attribute, operator: condition.operator } : { ...condition, value });
  return (
    <>
      <span className="mode-switch small" role="group" aria-label="Compare with">
        <button
          type="button"
          data-testid={`${testId}-source-value`}
          aria-pressed={source === "value"}
          onClick={() => source !== "value" && onChange(withValueSource(condition, "value"))}
        >
          value
        </button>
        <button
          type="button"
          data-testid={`${testId}-source-variable`}
          aria-pressed={source === "variable"}
          onClick={() => source !== "variable" && onChange(withValueSource(condition, "variable", variables[0]?.name))}
        >
          flow variable
        </button>
      </span>
      {isVariableValue(condition.value) ? (
        <VariableSelect
          testId={`${testId}-variable`}
          value={condition.value.variable}
          variables={variables}
          onChange={(variable) => onChange({ ...condition, value: { variable } })}
        />
      ) : operator.value === "value" || operator.value === "days" ? (
        <TypedValueInput
          key={`${condition.attribute}:${condition.operator}`}
          kind={inputKind(operator.value, attribute?.data_type)}
          testId={`${testId}-value`}
          label={attribute?.label ?? "Value"}
          value={condition.value}
          invalid={condition.value === undefined}
          onChange={setValue}
        />
      ) : (
        <AmountInput testId={`${testId}-value`} value={condition.value} onChange={setValue} />
      )}
    </>
  );
}

const AMOUNT_UNITS: readonly Unit[] = ["minutes", "hours", "days", "weeks"];

/** A value kind this designer does not know yet: read as an amount and a unit ({"amount", "unit"}), the
 * shape relative date operators are moving to (docs/segments.md). */
function AmountInput({ testId, value, onChange }: { testId: string; value: unknown; onChange(value: unknown): void }) {
  const amount = readDuration(value) ?? { amount: 1, unit: "days" as const };
  return <DurationInput testId={testId} label="How long" min={0} units={AMOUNT_UNITS} value={amount} onChange={onChange} />;
}

interface VariableSelectProps {
  testId: string;
  value: string;
  variables: readonly FlowVariable[];
  onChange(variable: string): void;
}

/** A declared flow variable; the engine compares with its default, so one without a default is flagged. */
function VariableSelect({ testId, value, variables, onChange }: VariableSelectProps) {
  const chosen = variables.find((variable) => variable.name === value);
  const problem = !value
    ? variables.length === 0
      ? "Declare a variable with a default value in the flow settings first."
      : "Choose a variable."
    : !chosen
      ? `“${value}” is not declared in the flow settings.`
      : chosen.default === undefined
        ? `“${value}” has no default value; set one in the flow settings.`
        : null;
  return (
    <>
      <select data-testid={testId} aria-label="Flow variable" aria-invalid={problem !== null} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Choose a variable…</option>
        {variables.map((variable) => (
          <option key={variable.name} value={variable.name}>
            {variable.name}
          </option>
        ))}
        {value && !chosen && <option value={value}>{value} (not declared)</option>}
      </select>
      {problem && <span className="error-text rule-error">{problem}</span>}
    </>
  );
}
