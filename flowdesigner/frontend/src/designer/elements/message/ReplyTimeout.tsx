import { DurationInput } from "../../components/DurationInput";
import { describeDuration, durationProblem, type Duration } from "../../timing";
import type { JsonObject } from "../../types";
import { DEFAULT_REPLY_TIMEOUT, readReplyTimeout } from "./config";

/** The reply timeout line a message's node shows, or "" without one. */
export function replyTimeoutSummary(config: JsonObject): string {
  const timeout = readReplyTimeout(config);
  return timeout ? `No answer after ${describeDuration(timeout)}` : "";
}

interface ReplyTimeoutFieldProps {
  config: JsonObject;
  onChange(config: JsonObject): void;
}

/** "Reply timeout": without an answer after this long the participant takes the "no answer" exit.
 * Shared by the message and the form message editors; edits only `config.timeout`. */
export function ReplyTimeoutField({ config, onChange }: ReplyTimeoutFieldProps) {
  const timeout = readReplyTimeout(config);
  const problem = timeout ? durationProblem(timeout, "reply timeout") : null;
  const setReplyTimeout = (next: Duration | null) => onChange({ ...config, timeout: next });
  return (
    <fieldset className="field">
      <legend>Reply timeout</legend>
      <label className="check">
        <input
          type="checkbox"
          data-testid="field-reply-timeout"
          checked={timeout !== null}
          onChange={(event) => setReplyTimeout(event.target.checked ? { ...DEFAULT_REPLY_TIMEOUT } : null)}
        />
        Stop waiting for an answer after a while, through the “no answer” exit
      </label>
      {timeout && (
        <>
          <DurationInput testId="field-reply-timeout" label="Reply timeout" value={timeout} onChange={setReplyTimeout} />
          {problem && <span className="error-text">{problem}</span>}
        </>
      )}
    </fieldset>
  );
}
