import type { EditorProps } from "../types";
import { readExitName } from "./config";

export function ExitEditor({ config, onChange }: EditorProps) {
  return (
    <label className="field">
      <span>Name</span>
      <input
        data-testid="field-name"
        value={readExitName(config)}
        onChange={(event) => onChange({ ...config, name: event.target.value })}
      />
    </label>
  );
}
