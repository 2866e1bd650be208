import { inputKind } from "../../../segments/subjects";
import type { EventInfo, OperatorTable } from "../../../segments/types";
import { useOperatorTable } from "../../catalog";
import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { TypedValueInput } from "../../components/TypedValueInput";
import { VariableNameInput } from "../../components/VariableNameInput";
import type { EditorProps } from "../types";
import type { SavedProperty } from "../wait/config";
import {
  conditionsProblem,
  COUNT_LABELS,
  COUNT_OPERATORS,
  EVENT_OPERATOR_LABELS,
  EVENT_OPERATORS,
  MAX_CONDITIONS,
  newCondition,
  readPeopleEvent,
  savableProperties,
  WINDOW_UNITS,
  withEvent,
  writeCondition,
  type EventCondition,
  type EventOperator,
  type PropertyFilter,
} from "./config";

type IssuesAt = (field: string, nested?: boolean) => string[];

export function PeopleEventEditor({ nodeId, config, onChange }: EditorProps) {
  const { conditions, save, includeHistorical } = readPeopleEvent(config);
  const table = useOperatorTable();
  const issuesAt = useIssuesAt(nodeId);
  const loaded = table.status === "loaded" ? table.value : null;
  const events = loaded?.events ?? [];
  const setConditions = (next: EventCondition[]) => onChange({ ...config, conditions: next.map(writeCondition) });
  const problem = issuesAt("config.conditions");
  const localProblem = conditionsProblem(conditions);

  return (
    <>
      <p className="hint muted">
        People enter when an event they have makes all these conditions true. “Did not happen” can only go beside a
        “happened”: a flow can start when something happens, not when it does not.
      </p>
      {table.status === "failed" && <p className="error-text">Events could not be loaded: {table.error}</p>}
      {table.status === "loaded" && events.length === 0 && (
        <p className="hint muted">There are no events yet; define them under People › Events.</p>
      )}
      <ol className="branch-list">
        {conditions.map((condition, index) => (
          <EventConditionCard
            key={index}
            index={index}
            condition={condition}
            table={loaded}
            events={events}
            messages={issuesAt(`config.conditions[${index}]`, true)}
            onChange={(changed) => setConditions(conditions.with(index, changed))}
            onRemove={() => setConditions(conditions.filter((_, other) => other !== index))}
          />
        ))}
      </ol>
      <button
        type="button"
        data-testid="add-event-condition"
        disabled={conditions.length >= MAX_CONDITIONS}
        onClick={() => setConditions([...conditions, newCondition(conditions, events)])}
      >
        Add event condition
      </button>
      <FieldIssues messages={problem.length > 0 ? problem : localProblem ? [localProblem] : []} />
      <SavedProperties
        save={save}
        conditions={conditions}
        events={events}
        issuesAt={issuesAt}
        onChange={(next) => onChange({ ...config, save: next })}
      />
      <label className="field check">
        <input
          type="checkbox"
          data-testid="field-include-historical"
          checked={includeHistorical}
          aria-describedby="include-historical-hint"
          onChange={(event) => onChange({ ...config, include_historical: event.target.checked })}
        />
        Include historical data
      </label>
      <p id="include-historical-hint" className="hint muted">
        Events from before the flow started count too. A person whose events all happened before the start does not
        enter; in a recurring flow they enter only when the events happen again.
      </p>
    </>
  );
}

interface EventConditionCardProps {
  index: number;
  condition: EventCondition;
  table: OperatorTable | null;
  events: EventInfo[];
  messages: string[];
  onChange(condition: EventCondition): void;
  onRemove(): void;
}

function EventConditionCard({ index, condition, table, events, messages, onChange, onRemove }: EventConditionCardProps) {
  const event = events.find((candidate) => candidate.key === condition.event);
  const testId = `event-condition-${index}`;
  return (
    <li className="branch-card" data-testid={testId}>
      <div className="branch-head event-head">
        <EventSelect
          testId={`${testId}-event`}
          value={condition.event}
          events={events}
          loaded={table !== null}
          onChange={(key) => onChange(withEvent(condition, key))}
        />
        <select
          data-testid={`${testId}-operator`}
          aria-label="Happened or not"
          value={condition.operator}
          onChange={(e) => onChange({ ...condition, operator: e.target.value as EventOperator })}
        >
          {EVENT_OPERATORS.map((operator) => (
            <option key={operator} value={operator}>
              {EVENT_OPERATOR_LABELS[operator]}
            </option>
          ))}
        </select>
        <button type="button" data-testid={`${testId}-remove`} aria-label={`Remove event condition ${index + 1}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      <WindowAndCount testId={testId} condition={condition} onChange={onChange} />
      <PropertyFilters testId={testId} condition={condition} event={event} table={table} onChange={onChange} />
      <FieldIssues messages={messages} />
    </li>
  );
}

interface EventSelectProps {
  testId: string;
  value: string;
  events: EventInfo[];
  loaded: boolean;
  onChange(key: string): void;
}

function EventSelect({ testId, value, events, loaded, onChange }: EventSelectProps) {
  if (!loaded) {
    // Not loaded (yet, or failed): the key can still be typed.
    return <input data-testid={testId} aria-label="Event" value={value} placeholder="addToCart" onChange={(e) => onChange(e.target.value)} />;
  }
  const known = events.some((event) => event.key === value);
  return (
    <select data-testid={testId} aria-label="Event" value={value} aria-invalid={!value || !known} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose an event…</option>
      {events.map((event) => (
        <option key={event.key} value={event.key}>
          {event.label} ({event.key})
        </option>
      ))}
      {value && !known && <option value={value}>{value} (unknown)</option>}
    </select>
  );
}

interface PartProps {
  testId: string;
  condition: EventCondition;
  onChange(condition: EventCondition): void;
}

/** "in the last N units" (empty unit: any time) and "at least / at most / exactly N times" (empty: once). */
function WindowAndCount({ testId, condition, onChange }: PartProps) {
  const { within, count } = condition;
  return (
    <div className="event-criteria-row">
      <span className="inline-group">
        <span className="muted">in the last</span>
        {/* The amount appears once a unit is chosen: no unit means any time. */}
        {within && (
          <TypedValueInput
            kind="number"
            testId={`${testId}-window-amount`}
            label="Time window length"
            value={within.amount}
            onChange={(amount) => onChange({ ...condition, within: { ...within, amount } })}
          />
        )}
        <select
          data-testid={`${testId}-window-unit`}
          aria-label="Time window unit"
          value={within?.unit ?? ""}
          onChange={(e) =>
            onChange({ ...condition, within: e.target.value ? { amount: within?.amount ?? 1, unit: e.target.value } : null })
          }
        >
          <option value="">(any time)</option>
          {WINDOW_UNITS.map((unit) => (
            <option key={unit} value={unit}>
              {unit}
            </option>
          ))}
        </select>
      </span>
      <span className="inline-group">
        <select
          data-testid={`${testId}-count-operator`}
          aria-label="How many times"
          value={count?.operator ?? ""}
          onChange={(e) =>
            onChange({ ...condition, count: e.target.value ? { operator: e.target.value, value: count?.value ?? 1 } : null })
          }
        >
          <option value="">at least once</option>
          {COUNT_OPERATORS.map((operator) => (
            <option key={operator} value={operator}>
              {COUNT_LABELS[operator]}
            </option>
          ))}
        </select>
        {count && (
          <>
            <TypedValueInput
              kind="number"
              testId={`${testId}-count-value`}
              label="Number of times"
              value={count.value}
              onChange={(value) => onChange({ ...condition, count: { ...count, value } })}
            />
            <span className="muted">times</span>
          </>
        )}
      </span>
    </div>
  );
}

/** Filters on the event's properties, with the operators of each property's data type. */
function PropertyFilters({ testId, condition, event, table, onChange }: PartProps & { event: EventInfo | undefined; table: OperatorTable | null }) {
  const properties = event?.properties ?? [];
  const setFilters = (next: PropertyFilter[]) => onChange({ ...condition, properties: next });
  const operatorsOf = (key: string) => {
    const property = properties.find((candidate) => candidate.key === key);
    return property && table ? (table.data_types[property.data_type] ?? []) : [];
  };
  return (
    <>
      {condition.properties.length > 0 && (
        <ol className="event-property-list">
          {condition.properties.map((filter, index) => {
            const operators = operatorsOf(filter.property);
            const operator = operators.find((candidate) => candidate.name === filter.operator);
            const dataType = properties.find((candidate) => candidate.key === filter.property)?.data_type;
            const rowId = `${testId}-property-${index}`;
            return (
              <li key={index} className="event-property-row">
                <span className="muted">{index === 0 ? "with" : "and"}</span>
                <select
                  data-testid={rowId}
                  aria-label="Event property"
                  value={filter.property}
                  onChange={(e) => {
                    const first = operatorsOf(e.target.value)[0]?.name ?? "";
                    setFilters(condition.properties.with(index, { property: e.target.value, operator: first }));
                  }}
                >
                  <option value="">Choose…</option>
                  {properties.map((property) => (
                    <option key={property.key} value={property.key}>
                      {property.label}
                    </option>
                  ))}
                  {filter.property && !properties.some((p) => p.key === filter.property) && (
                    <option value={filter.property}>{filter.property} (unknown)</option>
                  )}
                </select>
                <select
                  data-testid={`${rowId}-operator`}
                  aria-label="Property operator"
                  value={filter.operator}
                  onChange={(e) => setFilters(condition.properties.with(index, { property: filter.property, operator: e.target.value }))}
                >
                  {!operator && <option value={filter.operator}>{filter.operator || "—"}</option>}
                  {operators.map((candidate) => (
                    <option key={candidate.name} value={candidate.name}>
                      {candidate.label}
                    </option>
                  ))}
                </select>
                <TypedValueInput
                  key={`${filter.property}:${filter.operator}`}
                  kind={inputKind(operator?.value, dataType)}
                  testId={`${rowId}-value`}
                  label="Property value"
                  value={filter.value}
                  onChange={(value) =>
                    setFilters(condition.properties.with(index, value === null ? { property: filter.property, operator: filter.operator } : { ...filter, value }))
                  }
                />
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove property filter ${index + 1}`}
                  onClick={() => setFilters(condition.properties.filter((_, other) => other !== index))}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ol>
      )}
      <button
        type="button"
        className="secondary"
        data-testid={`${testId}-add-property`}
        disabled={properties.length === 0}
        title={properties.length > 0 ? "Only events whose property matches" : "This event has no properties"}
        onClick={() => {
          const first = properties[0];
          setFilters([...condition.properties, { property: first?.key ?? "", operator: first ? (operatorsOf(first.key)[0]?.name ?? "") : "" }]);
        }}
      >
        + Property filter
      </button>
    </>
  );
}

interface SavedPropertiesProps {
  save: SavedProperty[];
  conditions: EventCondition[];
  events: EventInfo[];
  issuesAt: IssuesAt;
  onChange(save: SavedProperty[]): void;
}

/** Properties of the event that started the flow, kept in flow variables for later steps. */
function SavedProperties({ save, conditions, events, issuesAt, onChange }: SavedPropertiesProps) {
  const properties = savableProperties(conditions, events);
  return (
    <fieldset className="field">
      <legend>Save event properties in variables</legend>
      {save.length > 0 && (
        <ol className="button-rows">
          {save.map((item, index) => (
            <li key={index} className="mapping-row">
              <label className="sub-field">
                <span>Property</span>
                {properties.length > 0 ? (
                  <select
                    data-testid={`event-save-property-${index}`}
                    value={item.property}
                    onChange={(e) => onChange(save.with(index, { ...item, property: e.target.value }))}
                  >
                    <option value="">Choose…</option>
                    {properties.map((property) => (
                      <option key={property.key} value={property.key}>
                        {property.label}
                      </option>
                    ))}
                    {item.property && !properties.some((p) => p.key === item.property) && (
                      <option value={item.property}>{item.property} (unknown)</option>
                    )}
                  </select>
                ) : (
                  <input
                    data-testid={`event-save-property-${index}`}
                    value={item.property}
                    placeholder="itemId"
                    onChange={(e) => onChange(save.with(index, { ...item, property: e.target.value }))}
                  />
                )}
                <FieldIssues messages={issuesAt(`config.save[${index}].property`)} />
              </label>
              <VariableNameInput
                testId={`event-save-variable-${index}`}
                label="Into variable"
                value={item.variable}
                onChange={(variable) => onChange(save.with(index, { ...item, variable }))}
              />
              <button
                type="button"
                aria-label={`Remove saved property ${index + 1}`}
                onClick={() => onChange(save.filter((_, other) => other !== index))}
              >
                Remove
              </button>
            </li>
          ))}
        </ol>
      )}
      <button type="button" data-testid="add-event-save" onClick={() => onChange([...save, { property: "", variable: "" }])}>
        Add property
      </button>
    </fieldset>
  );
}
