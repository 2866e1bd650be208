import { useEffect, useRef, useState } from "react";
import { RuleBuilder } from "../../../segments/RuleBuilder";
import { coerceValue, docFromTree, treeFromDoc, valueText } from "../../../segments/subjects";
import { rowErrors, type RowError, type UiGroup } from "../../../segments/tree";
import { isObject } from "../../../shared/http";
import { useRuleChoices, type Loaded, type RuleChoices } from "../../catalog";
import { useDesigner, useIssuesOf } from "../../context";
import type { Issue, JsonObject } from "../../types";
import { NO_VALUE_OPERATORS, OPERATOR_LABELS, VARIABLE_OPERATORS, type FlowVariable, type VariableType } from "../../variables";
import type { EditorProps } from "../types";
import { numberValue } from "../update_person/config";
import {
  branchWarning,
  joinRules,
  MAX_BRANCHES,
  moveBranch,
  newBranch,
  placeRuleIssue,
  readBranches,
  splitRules,
  type Branch,
  type VariableLeaf,
  withOperator,
  withVariable,
} from "./config";

export function ConditionSplitEditor({ nodeId, config, onChange }: EditorProps) {
  const branches = readBranches(config);
  const choices = useRuleChoices();
  const issues = useIssuesOf(nodeId);
  const setBranches = (next: Branch[]) =>
    onChange({ ...config, branches: next.map(({ id, name, rules }) => ({ id, name, rules })) });
  const seen = new Set<string>();

  return (
    <>
      <p className="hint muted">
        Branches are tried in order; a participant takes the first whose conditions hold, or “otherwise”.
      </p>
      {choices.status === "failed" && (
        <p className="error-text">The rule builder could not load ({choices.error}); rules can be edited as JSON.</p>
      )}
      <ol className="branch-list">
        {branches.map((branch, index) => {
          // Keyed by id so a branch keeps its editor state when moved; a repeated id (an import) by position.
          const key = seen.has(branch.id) ? `${branch.id}#${index}` : branch.id;
          seen.add(branch.id);
          return (
            <BranchCard
              key={key}
              index={index}
              count={branches.length}
              branch={branch}
              warning={branchWarning(branches, index)}
              choices={choices}
              issues={issues}
              onChange={(changed) => setBranches(branches.with(index, changed))}
              onMove={(by) => setBranches(moveBranch(branches, index, by))}
              onRemove={() => setBranches(branches.filter((_, other) => other !== index))}
            />
          );
        })}
      </ol>
      <button
        type="button"
        data-testid="add-branch"
        disabled={branches.length >= MAX_BRANCHES}
        onClick={() => setBranches([...branches, newBranch(branches)])}
      >
        Add branch
      </button>
    </>
  );
}

interface BranchCardProps {
  index: number;
  count: number;
  branch: Branch;
  warning: string | null;
  choices: Loaded<RuleChoices>;
  issues: readonly Issue[];
  onChange(branch: Branch): void;
  onMove(by: -1 | 1): void;
  onRemove(): void;
}

function BranchCard({ index, count, branch, warning, choices, issues, onChange, onMove, onRemove }: BranchCardProps) {
  return (
    <li className="branch-card" data-testid={`branch-${index}`}>
      <div className="branch-head">
        <label className="sub-field">
          <span>Branch {index + 1}</span>
          <input
            data-testid={`branch-name-${index}`}
            value={branch.name}
            placeholder="e.g. VIPs"
            aria-invalid={!branch.name.trim()}
            onChange={(event) => onChange({ ...branch, name: event.target.value })}
          />
        </label>
        <button
          type="button"
          data-testid={`move-branch-up-${index}`}
          aria-label={`Move branch ${index + 1} up`}
          disabled={index === 0}
          onClick={() => onMove(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          data-testid={`move-branch-down-${index}`}
          aria-label={`Move branch ${index + 1} down`}
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          ↓
        </button>
        <button type="button" data-testid={`remove-branch-${index}`} aria-label={`Remove branch ${index + 1}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      <BranchRules
        branchIndex={index}
        rules={branch.rules}
        choices={choices}
        issues={issues}
        onChange={(rules) => onChange({ ...branch, rules })}
      />
      {warning && (
        <p className="muted warning" data-testid={`branch-warning-${index}`}>
          {warning}
        </p>
      )}
    </li>
  );
}

interface BranchRulesProps {
  branchIndex: number;
  rules: JsonObject;
  choices: Loaded<RuleChoices>;
  issues: readonly Issue[];
  onChange(rules: JsonObject): void;
}

/** A branch's rules: the segment rule builder for the people rules and rows for the flow-variable
 * conditions, or the whole document as JSON. */
function BranchRules({ branchIndex, rules, choices, issues, onChange }: BranchRulesProps) {
  const split = splitRules(rules);
  const builderReady = split !== null && choices.status !== "failed";
  const [mode, setMode] = useState<"builder" | "json">(builderReady ? "builder" : "json");
  // The builder's own tree keeps inputs as typed (a half-typed number) between edits; null = read from `rules`.
  const [tree, setTree] = useState<UiGroup | null>(null);
  const table = choices.status === "loaded" ? choices.value.table : null;
  const shownTree = tree ?? (table && split ? treeFromDoc(table, { op: split.op, rules: split.people }) : null);
  const placed = issues.flatMap((issue) => {
    const place = issue.field ? placeRuleIssue(issue.field, branchIndex, split) : null;
    return place ? [{ place, message: issue.message }] : [];
  });
  const builderErrors: RowError[] = rowErrors(
    placed.flatMap(({ place, message }) => (place.kind === "people" ? [{ path: place.path, message }] : [])),
  );
  const variableErrors = (index: number) =>
    placed.flatMap(({ place, message }) => (place.kind === "variable" && place.index === index ? [message] : []));
  const showBuilder = mode === "builder" && builderReady;

  function editVariables(next: VariableLeaf[]) {
    if (split) {
      onChange(joinRules(shownTree?.op ?? split.op, split.people, next));
    }
  }

  return (
    <div className="branch-rules">
      <div className="mode-switch" role="group" aria-label="Edit the rules with">
        <button
          type="button"
          data-testid={`rules-builder-${branchIndex}`}
          aria-pressed={showBuilder}
          disabled={!builderReady}
          title={split === null ? "A variable condition inside a group can only be edited as JSON." : undefined}
          onClick={() => {
            setTree(null);
            setMode("builder");
          }}
        >
          Rule builder
        </button>
        <button
          type="button"
          data-testid={`rules-json-${branchIndex}`}
          aria-pressed={!showBuilder}
          onClick={() => setMode("json")}
        >
          JSON
        </button>
      </div>
      {showBuilder ? (
        shownTree && table ? (
          <RuleBuilder
            tree={shownTree}
            options={choices.status === "loaded" ? choices.value : { table, tags: [], companies: [], segments: [] }}
            errors={builderErrors}
            readOnly={false}
            onChange={(next) => {
              setTree(next);
              onChange(joinRules(next.op, docFromTree(table, next).rules, split?.variables ?? []));
            }}
          />
        ) : (
          <p className="muted">Loading the rule builder…</p>
        )
      ) : (
        <JsonRules branchIndex={branchIndex} rules={rules} onChange={onChange} />
      )}
      {split !== null && (
        <VariableConditions
          branchIndex={branchIndex}
          op={shownTree?.op ?? split.op}
          leaves={split.variables}
          errorsOf={variableErrors}
          onChange={editVariables}
        />
      )}
    </div>
  );
}

/** The whole rules document as JSON; a parse error is shown under it and nothing is saved until it parses. */
function JsonRules({ branchIndex, rules, onChange }: { branchIndex: number; rules: JsonObject; onChange(rules: JsonObject): void }) {
  const [text, setText] = useState(() => JSON.stringify(rules, null, 2));
  const [error, setError] = useState<string | null>(null);
  const emitted = useRef(rules);
  useEffect(() => {
    // Changed elsewhere (a variable condition row): show the new document.
    if (rules !== emitted.current) {
      emitted.current = rules;
      setText(JSON.stringify(rules, null, 2));
      setError(null);
    }
  }, [rules]);

  function edit(next: string) {
    setText(next);
    let parsed: unknown;
    try {
      parsed = JSON.parse(next);
    } catch (failure) {
      setError(`Not valid JSON: ${failure instanceof Error ? failure.message : String(failure)}`);
      return;
    }
    if (!isObject(parsed)) {
      setError('The rules are one JSON object, e.g. {"op": "and", "rules": []}.');
      return;
    }
    setError(null);
    emitted.current = parsed;
    onChange(parsed);
  }

  const errorId = `rules-json-error-${branchIndex}`;
  return (
    <>
      <textarea
        className="code"
        data-testid={`rules-json-text-${branchIndex}`}
        aria-label={`Rules of branch ${branchIndex + 1} as JSON`}
        rows={8}
        spellCheck={false}
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error ? errorId : undefined}
        onChange={(event) => edit(event.target.value)}
      />
      {error && (
        <span id={errorId} className="error-text" data-testid={`rules-json-error-${branchIndex}`}>
          {error}
        </span>
      )}
    </>
  );
}

interface VariableConditionsProps {
  branchIndex: number;
  op: string;
  leaves: VariableLeaf[];
  errorsOf(index: number): string[];
  onChange(leaves: VariableLeaf[]): void;
}

/** Conditions on the flow's own variables, joined to the people rules by the top group's AND/OR. */
function VariableConditions({ branchIndex, op, leaves, errorsOf, onChange }: VariableConditionsProps) {
  const { variables } = useDesigner();
  const first = variables[0];
  return (
    <fieldset className="variable-conditions">
      <legend>
        Flow variables <span className="muted">({op === "or" ? "OR" : "AND"} with the rules above)</span>
      </legend>
      {leaves.length > 0 && (
        <ol className="button-rows">
          {leaves.map((leaf, index) => (
            <VariableConditionRow
              key={index}
              testId={`variable-condition-${branchIndex}-${index}`}
              leaf={leaf}
              variables={variables}
              errors={errorsOf(index)}
              onChange={(changed) => onChange(leaves.with(index, changed))}
              onRemove={() => onChange(leaves.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
      )}
      {first ? (
        <button
          type="button"
          data-testid={`add-variable-condition-${branchIndex}`}
          onClick={() => onChange([...leaves, withVariable({ variable: "", operator: "" }, first)])}
        >
          + Variable condition
        </button>
      ) : (
        <p className="hint muted">Declare variables in the flow settings to test them here.</p>
      )}
    </fieldset>
  );
}

interface VariableConditionRowProps {
  testId: string;
  leaf: VariableLeaf;
  variables: readonly FlowVariable[];
  errors: string[];
  onChange(leaf: VariableLeaf): void;
  onRemove(): void;
}

function VariableConditionRow({ testId, leaf, variables, errors, onChange, onRemove }: VariableConditionRowProps) {
  const declared = variables.find((variable) => variable.name === leaf.variable);
  const operators = declared ? VARIABLE_OPERATORS[declared.type] : [];
  return (
    <li className={`rule-condition${errors.length > 0 ? " has-error" : ""}`} data-testid={testId}>
      <select
        data-testid={`${testId}-variable`}
        aria-label="Variable"
        aria-invalid={!declared}
        value={leaf.variable}
        onChange={(event) => {
          const chosen = variables.find((variable) => variable.name === event.target.value);
          if (chosen) {
            onChange(withVariable(leaf, chosen, declared?.type));
          }
        }}
      >
        {!declared && <option value={leaf.variable}>{leaf.variable || "Choose…"} (not declared)</option>}
        {variables.map((variable) => (
          <option key={variable.name} value={variable.name}>
            {variable.name}
          </option>
        ))}
      </select>
      <select
        data-testid={`${testId}-operator`}
        aria-label="Operator"
        value={leaf.operator}
        onChange={(event) => onChange(withOperator(leaf, event.target.value, declared?.type))}
      >
        {!operators.includes(leaf.operator) && <option value={leaf.operator}>{leaf.operator || "—"}</option>}
        {operators.map((operator) => (
          <option key={operator} value={operator}>
            {OPERATOR_LABELS[operator] ?? operator}
          </option>
        ))}
      </select>
      {!NO_VALUE_OPERATORS.has(leaf.operator) && (
        <VariableValueInput
          testId={`${testId}-value`}
          type={declared?.type ?? "text"}
          value={leaf.value}
          onChange={(value) => onChange({ ...leaf, value })}
        />
      )}
      <button type="button" className="link" data-testid={`${testId}-remove`} aria-label="Remove condition" onClick={onRemove}>
        Remove
      </button>
      {errors.length > 0 && (
        <p className="error-text rule-error" role="alert">
          {errors.join(" ")}
        </p>
      )}
    </li>
  );
}

function VariableValueInput({
  testId,
  type,
  value,
  onChange,
}: {
  testId: string;
  type: VariableType;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const common = { "data-testid": testId, "aria-label": "Value" };
  const text = value === undefined || value === null ? "" : String(value);
  switch (type) {
    case "boolean":
      return (
        <select {...common} value={value === false ? "false" : "true"} onChange={(event) => onChange(event.target.value === "true")}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case "number":
      return <input {...common} inputMode="decimal" value={text} onChange={(event) => onChange(numberValue(event.target.value))} />;
    case "date":
      return <input {...common} type="date" value={text} onChange={(event) => onChange(event.target.value)} />;
    case "datetime":
      return (
        <input
          {...common}
          type="datetime-local"
          value={valueText("datetime-local", value)}
          onChange={(event) => onChange(coerceValue("datetime-local", event.target.value) ?? "")}
        />
      );
    default:
      return (
        <input
          {...common}
          value={text}
          placeholder={type === "list" ? "an item" : "text"}
          onChange={(event) => onChange(event.target.value)}
        />
      );
  }
}

