import type { EventInfo } from "../../../segments/types";
import { useOperatorTable } from "../../catalog";
import { DurationInput } from "../../components/DurationInput";
import { VariableNameInput } from "../../components/VariableNameInput";
import { durationProblem, isLocalTime, type Duration } from "../../timing";
import type { EditorProps } from "../types";
import {
  DEFAULT_DURATION,
  hasOffset,
  readWait,
  switchWaitMode,
  untilInputValue,
  WAIT_MODE_LABELS,
  WAIT_MODES,
  type SavedProperty,
  type WaitMode,
} from "./config";

export function WaitEditor({ config, onChange }: EditorProps) {
  const wait = readWait(config);
  const set = (key: string, value: unknown) => onChange({ ...config, [key]: value });

  return (
    <>
      <label className="field">
        <span>Wait</span>
        <select
          data-testid="field-wait-mode"
          value={wait.mode}
          onChange={(event) => onChange(switchWaitMode(config, event.target.value as WaitMode))}
        >
          {WAIT_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {WAIT_MODE_LABELS[mode]}
            </option>
          ))}
        </select>
      </label>

      {wait.mode === "duration" && (
        <DurationField
          testId="wait-duration"
          label="How long"
          value={wait.duration}
          what="duration of the wait"
          onChange={(duration) => set("duration", duration)}
        />
      )}

      {wait.mode === "until" && (
        <label className="field">
          <span>Until</span>
          <input
            type="datetime-local"
            data-testid="field-wait-until"
            value={untilInputValue(wait.until)}
            aria-invalid={!wait.until}
            onChange={(event) => set("until", event.target.value)}
          />
          <span className="hint muted">
            {hasOffset(wait.until)
              ? `Stored as ${wait.until}; a new date is read in the person’s timezone.`
              : "In the person’s timezone. A moment already past lets the participant through at once."}
          </span>
        </label>
      )}

      {wait.mode === "attribute" && (
        <AttributeWait
          attribute={wait.attribute}
          offset={wait.offset}
          time={wait.time}
          onChange={(changes) => onChange({ ...config, ...changes })}
          onClearTime={() => {
            const { time: _time, ...rest } = config;
            onChange(rest);
          }}
        />
      )}

      {wait.mode === "event" && (
        <EventWait
          event={wait.event}
          timeout={wait.timeout}
          save={wait.save}
          onChange={(changes) => onChange({ ...config, ...changes })}
        />
      )}
    </>
  );
}

function DurationField(props: {
  testId: string;
  label: string;
  value: Duration | null;
  what: string;
  onChange(value: Duration): void;
}) {
  const value = props.value ?? DEFAULT_DURATION;
  const problem = durationProblem(props.value, props.what);
  return (
    <div className="field">
      <span>{props.label}</span>
      <DurationInput testId={props.testId} label={props.label} value={value} onChange={props.onChange} />
      {problem && <span className="error-text">{problem}</span>}
    </div>
  );
}

interface AttributeWaitProps {
  attribute: string;
  offset: Duration | null;
  time: string;
  onChange(changes: { attribute?: string; offset?: Duration; time?: string }): void;
  onClearTime(): void;
}

/** Until a date attribute of the person (a birthday, a renewal date), moved by an offset. */
function AttributeWait({ attribute, offset, time, onChange, onClearTime }: AttributeWaitProps) {
  const table = useOperatorTable();
  const dates =
    table.status === "loaded"
      ? table.value.attributes.filter((info) => info.data_type === "DATE" || info.data_type === "DATETIME")
      : [];
  const chosen = dates.find((info) => info.key === attribute);
  const amount = Math.abs(offset?.amount ?? 0);
  const before = (offset?.amount ?? 0) < 0;
  const unit = offset?.unit ?? "days";
  return (
    <>
      <label className="field">
        <span>Date attribute</span>
        {table.status === "failed" ? (
          <input
            data-testid="field-wait-attribute"
            value={attribute}
            placeholder="birth_date"
            onChange={(event) => onChange({ attribute: event.target.value })}
          />
        ) : (
          <select
            data-testid="field-wait-attribute"
            value={attribute}
            disabled={table.status === "loading"}
            onChange={(event) => onChange({ attribute: event.target.value })}
          >
            <option value="">Choose a date…</option>
            {dates.map((info) => (
              <option key={info.key} value={info.key}>
                {info.label} ({info.key})
              </option>
            ))}
            {attribute && !chosen && table.status === "loaded" && <option value={attribute}>{attribute} (unknown)</option>}
          </select>
        )}
        {table.status === "failed" && <span className="error-text">Attributes could not be loaded: {table.error}</span>}
      </label>
      <div className="field">
        <span>Offset</span>
        <div className="offset-input">
          <DurationInput
            testId="field-wait-offset"
            label="Offset"
            min={0}
            value={{ amount, unit }}
            onChange={(next) => onChange({ offset: { amount: before ? -next.amount : next.amount, unit: next.unit } })}
          />
          <select
            data-testid="field-wait-offset-direction"
            aria-label="Before or after the date"
            value={before ? "before" : "after"}
            onChange={(event) => onChange({ offset: { amount: event.target.value === "before" ? -amount : amount, unit } })}
          >
            <option value="before">before</option>
            <option value="after">after</option>
          </select>
        </div>
      </div>
      <label className="field">
        <span>At time of day (optional)</span>
        <div className="time-input">
          <input
            type="time"
            data-testid="field-wait-time"
            value={time}
            aria-invalid={time !== "" && !isLocalTime(time)}
            onChange={(event) => (event.target.value ? onChange({ time: event.target.value }) : onClearTime())}
          />
          {time && (
            <button type="button" data-testid="clear-wait-time" onClick={onClearTime}>
              Clear
            </button>
          )}
        </div>
        <span className="hint muted">
          {chosen?.data_type === "DATETIME"
            ? "A date-and-time attribute keeps its own time; this applies to dates only."
            : "In the person’s timezone; midnight when empty."}{" "}
          A person without this date leaves through “no date”.
        </span>
      </label>
    </>
  );
}

interface EventWaitProps {
  event: string;
  timeout: Duration | null;
  save: SavedProperty[];
  onChange(changes: { event?: string; timeout?: Duration; save?: SavedProperty[] }): void;
}

/** Until an event of the person comes in (a purchase, a visit), with a time limit and the event's
 * properties saved into flow variables. */
function EventWait({ event, timeout, save, onChange }: EventWaitProps) {
  const table = useOperatorTable();
  const events: EventInfo[] = table.status === "loaded" ? (table.value.events ?? []) : [];
  const chosen = events.find((info) => info.key === event);
  const setSave = (next: SavedProperty[]) => onChange({ save: next });
  return (
    <>
      <label className="field">
        <span>Event</span>
        {table.status === "failed" ? (
          <input
            data-testid="field-wait-event"
            value={event}
            placeholder="purchase"
            onChange={(e) => onChange({ event: e.target.value })}
          />
        ) : (
          <select
            data-testid="field-wait-event"
            value={event}
            disabled={table.status === "loading"}
            onChange={(e) => onChange({ event: e.target.value })}
          >
            <option value="">Choose an event…</option>
            {events.map((info) => (
              <option key={info.key} value={info.key}>
                {info.label} ({info.key})
              </option>
            ))}
            {event && !chosen && table.status === "loaded" && <option value={event}>{event} (unknown)</option>}
          </select>
        )}
        {table.status === "failed" && <span className="error-text">Events could not be loaded: {table.error}</span>}
      </label>
      <DurationField
        testId="wait-timeout"
        label="Time limit"
        value={timeout}
        what="time limit"
        onChange={(next) => onChange({ timeout: next })}
      />
      <p className="hint muted">Without the event in time, the participant leaves through “timed out”.</p>
      <fieldset className="field">
        <legend>Save event properties</legend>
        {save.length > 0 && (
          <ol className="button-rows">
            {save.map((item, index) => (
              <li key={index} className="mapping-row">
                <label className="sub-field">
                  <span>Property</span>
                  {chosen && chosen.properties.length > 0 ? (
                    <select
                      data-testid={`wait-save-property-${index}`}
                      value={item.property}
                      onChange={(e) => setSave(save.with(index, { ...item, property: e.target.value }))}
                    >
                      <option value="">Choose…</option>
                      {chosen.properties.map((property) => (
                        <option key={property.key} value={property.key}>
                          {property.label}
                        </option>
                      ))}
                      {item.property && !chosen.properties.some((p) => p.key === item.property) && (
                        <option value={item.property}>{item.property} (unknown)</option>
                      )}
                    </select>
                  ) : (
                    <input
                      data-testid={`wait-save-property-${index}`}
                      value={item.property}
                      placeholder="amount"
                      onChange={(e) => setSave(save.with(index, { ...item, property: e.target.value }))}
                    />
                  )}
                </label>
                <VariableNameInput
                  testId={`wait-save-variable-${index}`}
                  label="Into variable"
                  value={item.variable}
                  onChange={(variable) => setSave(save.with(index, { ...item, variable }))}
                />
                <button
                  type="button"
                  data-testid={`remove-wait-save-${index}`}
                  aria-label={`Remove mapping ${index + 1}`}
                  onClick={() => setSave(save.filter((_, other) => other !== index))}
                >
                  Remove
                </button>
              </li>
            ))}
          </ol>
        )}
        <button type="button" data-testid="add-wait-save" onClick={() => setSave([...save, { property: "", variable: "" }])}>
          Add property
        </button>
      </fieldset>
    </>
  );
}
