import type { EditorProps } from "../types";
import { readExitName, readWaitForFollowUp } from "./config";

export function ExitEditor({ config, onChange }: EditorProps) {
  return (
    <>
      <label className="field">
        <span>Name</span>
        <input
          data-testid="field-name"
          value={readExitName(config)}
          onChange={(event) => onChange({ ...config, name: event.target.value })}
        />
      </label>
      <label className="field check">
        <input
          type="checkbox"
          data-testid="field-wait-for-follow-up"
          checked={readWaitForFollowUp(config)}
          onChange={(event) => onChange({ ...config, wait_for_follow_up: event.target.checked })}
        />
        Wait for a follow-up message from the service
      </label>
    </>
  );
}
