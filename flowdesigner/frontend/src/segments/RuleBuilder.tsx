import type { ReactNode } from "react";
import {
  attributeOf,
  conditionInput,
  decodeSubject,
  durationText,
  durationUnits,
  encodeSubject,
  eventOf,
  eventPropertyOf,
  newPropertyFilter,
  operatorsFor,
  propertyInput,
  propertyOperators,
  splitDuration,
  withOperator,
  withProperty,
  withPropertyOperator,
  withSubject,
} from "./subjects";
import {
  addCondition,
  addEventProperty,
  addGroup,
  childPath,
  COUNT_OPS,
  emptyEventCriteria,
  ROOT,
  type RowError,
  removeAt,
  removeEventProperty,
  setCondition,
  setEventCount,
  setEventProperty,
  setEventWindow,
  toggleOp,
  type UiCondition,
  type UiGroup,
  updateAt,
  WINDOW_UNITS,
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
          aria-label={`${group.op.toUpperCase()}: match ${group.op === "and" ? "all" : "any"} of these; switch`}
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
        {(table.events ?? []).length > 0 && (
          <optgroup label="Events">
            {(table.events ?? []).map((e) => (
              <option key={e.key} value={`event:${e.key}`}>
                Event: {e.label}
              </option>
            ))}
          </optgroup>
        )}
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
        testId={`value-${path}`}
        value={condition.value}
        invalid={invalid("value")}
        readOnly={readOnly}
        label={attributeOf(table, condition.subject)?.label ?? "Value"}
        onChange={(value) => onChange(setCondition(tree, path, { value }))}
      />
      {condition.subject?.type === "event" && <EventCriteria {...props} />}
      {!readOnly && (
        <button type="button" className="link" data-testid={`remove-${path}`} aria-label="Remove condition" onClick={() => onChange(removeAt(tree, path))}>
          Remove
        </button>
      )}
      <RowErrors errors={errors} path={path} fields={CONDITION_FIELDS} />
    </div>
  );
}

const CONDITION_FIELDS: RowError["field"][] = [
  "row",
  "subject",
  "operator",
  "value",
  "window",
  "window-amount",
  "window-unit",
  "count",
  "count-operator",
  "count-value",
  "properties",
  "property-row",
  "property",
  "property-operator",
  "property-value",
];

const COUNT_LABELS: Record<string, string> = { gte: "at least", lte: "at most", eq: "exactly" };

/** The window, count and property filters of an event row. */
function EventCriteria(props: BuilderProps & { condition: UiCondition; path: string }) {
  const { tree, condition, path, options, readOnly, onChange, errors } = props;
  const { table } = options;
  const criteria = condition.event ?? emptyEventCriteria();
  const event = eventOf(table, condition.subject);
  const invalid = (field: RowError["field"], index?: number) =>
    errors.some((e) => e.path === path && e.field === field && (index === undefined || e.index === index));
  const within = criteria.within;
  const count = criteria.count;
  const hasProperties = (event?.properties.length ?? 0) > 0;

  return (
    <span className="event-criteria">
      <span className="event-window">
        <span className="muted">in the last</span>
        <input
          data-testid={`event-window-amount-${path}`}
          aria-label="Window length"
          aria-invalid={invalid("window-amount") || invalid("window")}
          type="number"
          min={1}
          max={100000}
          step={1}
          placeholder="any time"
          disabled={readOnly}
          value={within?.amount ?? ""}
          onChange={(e) => {
            const amount = e.target.value;
            onChange(
              setEventWindow(tree, path, amount === "" && !within ? null : { amount, unit: within?.unit || "days" }),
            );
          }}
        />
        <select
          data-testid={`event-window-unit-${path}`}
          aria-label="Window unit"
          aria-invalid={invalid("window-unit") || invalid("window")}
          disabled={readOnly}
          value={within?.unit ?? ""}
          onChange={(e) => {
            const unit = e.target.value;
            onChange(setEventWindow(tree, path, unit === "" ? null : { amount: within?.amount ?? "", unit }));
          }}
        >
          <option value="">(any time)</option>
          {within && !WINDOW_UNITS.includes(within.unit as (typeof WINDOW_UNITS)[number]) && within.unit !== "" && (
            <option value={within.unit}>{within.unit}</option>
          )}
          {WINDOW_UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {unit}
            </option>
          ))}
        </select>
      </span>
      <span className="event-count">
        <select
          data-testid={`event-count-op-${path}`}
          aria-label="How many times"
          aria-invalid={invalid("count-operator") || invalid("count")}
          disabled={readOnly}
          value={count?.operator ?? ""}
          onChange={(e) => {
            const operator = e.target.value;
            onChange(setEventCount(tree, path, operator === "" ? null : { operator, value: count?.value || "1" }));
          }}
        >
          <option value="">at least once</option>
          {count && !COUNT_OPS.includes(count.operator as (typeof COUNT_OPS)[number]) && count.operator !== "" && (
            <option value={count.operator}>{count.operator}</option>
          )}
          {COUNT_OPS.map((op) => (
            <option key={op} value={op}>
              {COUNT_LABELS[op]}
            </option>
          ))}
        </select>
        <input
          data-testid={`event-count-value-${path}`}
          aria-label="Number of times"
          aria-invalid={invalid("count-value") || invalid("count")}
          type="number"
          min={0}
          max={100000}
          step={1}
          disabled={readOnly}
          value={count?.value ?? ""}
          onChange={(e) => {
            const value = e.target.value;
            onChange(setEventCount(tree, path, value === "" && !count ? null : { operator: count?.operator || "gte", value }));
          }}
        />
        <span className="muted">times</span>
      </span>
      {criteria.properties.length > 0 && (
        <ol className="event-properties" aria-invalid={invalid("properties")}>
          {criteria.properties.map((filter, i) => {
            const operators = propertyOperators(table, condition, filter);
            const property = eventPropertyOf(event, filter.property);
            const known = filter.property === "" || property !== undefined;
            const set = (next: typeof filter) => onChange(setEventProperty(tree, path, i, next));
            return (
              <li key={i} className={`event-property${errors.some((e) => e.path === path && e.index === i) ? " has-error" : ""}`}>
                <span className="muted">{i === 0 ? "with" : "and"}</span>
                <select
                  data-testid={`event-property-${path}-${i}`}
                  aria-label="Event property"
                  aria-invalid={invalid("property", i) || invalid("property-row", i)}
                  disabled={readOnly}
                  value={filter.property}
                  onChange={(e) => set(withProperty(table, condition, filter, e.target.value))}
                >
                  <option value="">Choose…</option>
                  {!known && <option value={filter.property}>{filter.property} (no longer exists)</option>}
                  {(event?.properties ?? []).map((p) => (
                    <option key={p.key} value={p.key}>
                      {p.label}
                    </option>
                  ))}
                </select>
                <select
                  data-testid={`event-property-op-${path}-${i}`}
                  aria-label="Property operator"
                  aria-invalid={invalid("property-operator", i)}
                  disabled={readOnly || operators.length === 0}
                  value={filter.operator}
                  onChange={(e) => set(withPropertyOperator(table, condition, filter, e.target.value))}
                >
                  {operators.length === 0 && <option value="">—</option>}
                  {filter.operator && !operators.some((op) => op.name === filter.operator) && (
                    <option value={filter.operator}>{filter.operator}</option>
                  )}
                  {operators.map((op) => (
                    <option key={op.name} value={op.name}>
                      {op.label}
                    </option>
                  ))}
                </select>
                <ValueInput
                  kind={propertyInput(table, condition, filter)}
                  testId={`event-property-value-${path}-${i}`}
                  value={filter.value}
                  invalid={invalid("property-value", i)}
                  readOnly={readOnly}
                  label={property?.label ?? "Property value"}
                  onChange={(value) => set({ ...filter, value })}
                />
                {!readOnly && (
                  <button
                    type="button"
                    className="link"
                    data-testid={`remove-event-property-${path}-${i}`}
                    aria-label="Remove property filter"
                    onClick={() => onChange(removeEventProperty(tree, path, i))}
                  >
                    Remove filter
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
      {!readOnly && (
        <button
          type="button"
          className="secondary"
          data-testid={`add-event-property-${path}`}
          disabled={!hasProperties}
          title={hasProperties ? "Only events whose property matches" : "This event has no properties"}
          onClick={() => onChange(addEventProperty(tree, path, newPropertyFilter(table, condition)))}
        >
          + Property filter
        </button>
      )}
    </span>
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
  if (subject.type === "event") {
    return (options.table.events ?? []).some((e) => e.key === subject.ref);
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
  testId: string;
  value: string;
  invalid: boolean;
  readOnly: boolean;
  label: string;
  onChange(value: string): void;
}

function ValueInput({ kind, testId, value, invalid, readOnly, label, onChange }: ValueInputProps): ReactNode {
  const common = {
    "data-testid": testId,
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
    case "duration":
    case "day-duration": {
      // An amount and a unit; the unit offers minutes and hours only for a date-time ("duration").
      const { amount, unit } = splitDuration(value);
      const units: string[] = durationUnits(kind);
      return (
        <span className="days-input">
          <input
            {...common}
            value={amount}
            type="number"
            min={0}
            step={1}
            onChange={(event) => onChange(durationText(event.target.value, unit))}
          />{" "}
          <select
            data-testid={`${testId}-unit`}
            aria-label={`${label}: unit`}
            aria-invalid={invalid}
            disabled={readOnly}
            value={unit}
            onChange={(event) => onChange(durationText(amount, event.target.value))}
          >
            {!units.includes(unit) && <option value={unit}>{unit}</option>}
            {units.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </span>
      );
    }
    case "days": // the older value kind: a bare number of days
      return (
        <span className="days-input">
          <input {...common} type="number" min={0} step={1} onChange={(event) => onChange(event.target.value)} /> days
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
