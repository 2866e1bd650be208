import type { ReactNode } from "react";
import {
  attributeOf,
  conditionInput,
  decodeSubject,
  encodeSubject,
  operatorsFor,
  withOperator,
  withSubject,
} from "./subjects";
import {
  addCondition,
  addGroup,
  childPath,
  ROOT,
  type RowError,
  removeAt,
  setCondition,
  toggleOp,
  type UiCondition,
  type UiGroup,
  updateAt,
} from "./tree";
import type { Named, OperatorTable } from "./types";

export interface BuilderOptions {
  table: OperatorTable;
  tags: Named[];
  companies: Named[];
  segments: Named[];
}

interface BuilderProps {
  tree: UiGroup;
  options: BuilderOptions;
  errors: RowError[];
  readOnly: boolean;
  onChange(tree: UiGroup): void;
}

export function RuleBuilder(props: BuilderProps) {
  return <GroupView {...props} group={props.tree} path={ROOT} />;
}

function GroupView(props: BuilderProps & { group: UiGroup; path: string }) {
  const { tree, group, path, readOnly, onChange, errors } = props;
  return (
    <fieldset className={`rule-group op-${group.op}`} data-testid={`group-${path}`}>
      <legend>
        <button
          type="button"
          className="group-op"
          data-testid={`group-op-${path}`}
          disabled={readOnly}
          aria-label={`Match ${group.op === "and" ? "all" : "any"} of these; switch`}
          title="Switch between AND (all) and OR (any)"
          onClick={() => onChange(toggleOp(tree, path))}
        >
          {group.op.toUpperCase()}
        </button>
        <span className="muted">{group.op === "and" ? "all of these" : "any of these"}</span>
        {path !== ROOT && !readOnly && (
          <button type="button" className="link" data-testid={`remove-${path}`} onClick={() => onChange(removeAt(tree, path))}>
            Remove group
          </button>
        )}
      </legend>
      <RowErrors errors={errors} path={path} fields={["row"]} />
      {group.rules.length === 0 && (
        <p className="muted">{group.op === "and" ? "No conditions: everyone matches." : "No conditions: nobody matches."}</p>
      )}
      <ol className="rule-list">
        {group.rules.map((child, index) => {
          const childAt = childPath(path, index);
          return (
            <li key={childAt}>
              {index > 0 && <span className="joiner">{group.op}</span>}
              {child.kind === "group" ? (
                <GroupView {...props} group={child} path={childAt} />
              ) : (
                <ConditionRow {...props} condition={child} path={childAt} />
              )}
            </li>
          );
        })}
      </ol>
      {!readOnly && (
        <div className="group-actions">
          <button type="button" className="secondary" data-testid={`add-condition-${path}`} onClick={() => onChange(addCondition(tree, path))}>
            + Condition
          </button>
          <button type="button" className="secondary" data-testid={`add-group-${path}`} onClick={() => onChange(addGroup(tree, path))}>
            + Group
          </button>
        </div>
      )}
    </fieldset>
  );
}

function ConditionRow(props: BuilderProps & { condition: UiCondition; path: string }) {
  const { tree, condition, path, options, readOnly, onChange, errors } = props;
  const { table } = options;
  const operators = operatorsFor(table, condition.subject);
  const input = conditionInput(table, condition);
  const update = (next: UiCondition) => onChange(updateAt(tree, path, () => next));
  const invalid = (field: RowError["field"]) => errors.some((e) => e.path === path && e.field === field);

  return (
    <div className={`rule-condition${errors.some((e) => e.path === path) ? " has-error" : ""}`} data-testid={`condition-${path}`}>
      <select
        data-testid={`subject-${path}`}
        aria-label="What to test"
        aria-invalid={invalid("subject")}
        disabled={readOnly}
        value={encodeSubject(condition.subject)}
        onChange={(event) => update(withSubject(table, condition, decodeSubject(event.target.value)))}
      >
        <option value="">Choose…</option>
        <optgroup label="Standard attributes">
          {table.attributes.filter((a) => a.standard).map((a) => (
            <option key={a.key} value={`attribute:${a.key}`}>
              {a.label}
            </option>
          ))}
        </optgroup>
        {table.attributes.some((a) => !a.standard) && (
          <optgroup label="Custom attributes">
            {table.attributes.filter((a) => !a.standard).map((a) => (
              <option key={a.key} value={`attribute:${a.key}`}>
                {a.label} ({a.key})
              </option>
            ))}
          </optgroup>
        )}
        <SubjectOptions label="Tag" type="tag" items={options.tags} />
        <SubjectOptions label="Company" type="company" items={options.companies} />
        <SubjectOptions label="In segment" type="segment" items={options.segments} />
        {condition.subject && !isKnownSubject(options, condition) && (
          <option value={encodeSubject(condition.subject)}>
            {condition.subject.type} {String(condition.subject.ref)} (no longer exists)
          </option>
        )}
      </select>
      <select
        data-testid={`operator-${path}`}
        aria-label="Operator"
        aria-invalid={invalid("operator")}
        disabled={readOnly || operators.length === 0}
        value={condition.operator}
        onChange={(event) => update(withOperator(table, condition, event.target.value))}
      >
        {operators.length === 0 && <option value="">—</option>}
        {condition.operator && !operators.some((op) => op.name === condition.operator) && (
          <option value={condition.operator}>{condition.operator}</option>
        )}
        {operators.map((op) => (
          <option key={op.name} value={op.name}>
            {op.label}
          </option>
        ))}
      </select>
      <ValueInput
        kind={input}
        path={path}
        value={condition.value}
        invalid={invalid("value")}
        readOnly={readOnly}
        label={attributeOf(table, condition.subject)?.label ?? "Value"}
        onChange={(value) => onChange(setCondition(tree, path, { value }))}
      />
      {!readOnly && (
        <button type="button" className="link" data-testid={`remove-${path}`} aria-label="Remove condition" onClick={() => onChange(removeAt(tree, path))}>
          Remove
        </button>
      )}
      <RowErrors errors={errors} path={path} fields={["row", "subject", "operator", "value"]} />
    </div>
  );
}

function isKnownSubject(options: BuilderOptions, condition: UiCondition): boolean {
  const subject = condition.subject;
  if (!subject) {
    return true;
  }
  if (subject.type === "attribute") {
    return options.table.attributes.some((a) => a.key === subject.ref);
  }
  const items = { tag: options.tags, company: options.companies, segment: options.segments }[subject.type];
  return items.some((item) => item.id === subject.ref);
}

function SubjectOptions({ label, type, items }: { label: string; type: string; items: { id: number; name: string }[] }) {
  if (items.length === 0) {
    return null;
  }
  return (
    <optgroup label={`${label}s`.replace("In segments", "Segments")}>
      {items.map((item) => (
        <option key={item.id} value={`${type}:${item.id}`}>
          {label}: {item.name}
        </option>
      ))}
    </optgroup>
  );
}

interface ValueInputProps {
  kind: ReturnType<typeof conditionInput>;
  path: string;
  value: string;
  invalid: boolean;
  readOnly: boolean;
  label: string;
  onChange(value: string): void;
}

function ValueInput({ kind, path, value, invalid, readOnly, label, onChange }: ValueInputProps): ReactNode {
  const common = {
    "data-testid": `value-${path}`,
    "aria-label": label,
    "aria-invalid": invalid,
    disabled: readOnly,
    value,
  };
  switch (kind) {
    case "none":
      return null;
    case "boolean":
      return (
        <select {...common} onChange={(event) => onChange(event.target.value)}>
          <option value="">Choose…</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case "days":
      return (
        <span className="days-input">
          <input {...common} type="number" min={0} max={36500} step={1} onChange={(event) => onChange(event.target.value)} />{" "}
          days
        </span>
      );
    case "number":
      return <input {...common} type="number" step="any" onChange={(event) => onChange(event.target.value)} />;
    case "date":
      return <input {...common} type="date" onChange={(event) => onChange(event.target.value)} />;
    case "datetime-local":
      return <input {...common} type="datetime-local" onChange={(event) => onChange(event.target.value)} />;
    case "list-item":
      return <input {...common} type="text" placeholder="a list item" onChange={(event) => onChange(event.target.value)} />;
    default:
      return <input {...common} type="text" onChange={(event) => onChange(event.target.value)} />;
  }
}

function RowErrors({ errors, path, fields }: { errors: RowError[]; path: string; fields: RowError["field"][] }) {
  const mine = errors.filter((e) => e.path === path && fields.includes(e.field));
  if (mine.length === 0) {
    return null;
  }
  return (
    <p className="error-text rule-error" data-testid={`rule-error-${path}`} role="alert">
      {mine.map((e) => e.message).join(" ")}
    </p>
  );
}
