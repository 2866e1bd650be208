import { amountFromInput, UNITS, type Duration, type Unit } from "../timing";

interface DurationInputProps {
  /** "wait-duration" gives the test ids "wait-duration-amount" and "wait-duration-unit". */
  testId: string;
  label: string;
  value: Duration;
  onChange(value: Duration): void;
  /** Accept 0 (an offset may be none). */
  min?: number;
  disabled?: boolean;
  /** The units offered, in order (all of them by default). */
  units?: readonly Unit[];
}

/** An amount and a unit side by side: "2" "days". */
export function DurationInput({ testId, label, value, onChange, min = 1, disabled = false, units = UNITS }: DurationInputProps) {
  return (
    <div className="duration-input" role="group" aria-label={label}>
      <input
        type="number"
        data-testid={`${testId}-amount`}
        aria-label={`${label}: amount`}
        min={min}
        step={1}
        disabled={disabled}
        value={value.amount}
        onChange={(event) => onChange({ ...value, amount: amountFromInput(event.target.valueAsNumber) })}
      />
      <select
        data-testid={`${testId}-unit`}
        aria-label={`${label}: unit`}
        disabled={disabled}
        value={value.unit}
        onChange={(event) => onChange({ ...value, unit: event.target.value as Unit })}
      >
        {!units.includes(value.unit) && <option value={value.unit}>{value.unit}</option>}
        {units.map((unit) => (
          <option key={unit} value={unit}>
            {unit}
          </option>
        ))}
      </select>
    </div>
  );
}
