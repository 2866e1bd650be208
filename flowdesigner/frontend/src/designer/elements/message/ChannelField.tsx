import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import type { JsonObject } from "../../types";
import {
  DEFAULT_REPROMPT_PLACEHOLDER,
  MESSAGE_CHANNEL_LABELS,
  MESSAGE_CHANNELS,
  readMessageChannel,
  UNRECOGNISED_CHOICES,
  UNRECOGNISED_LABELS,
  type MessageChannel,
  type Unrecognised,
} from "./channel";

interface ChannelFieldProps {
  nodeId: string;
  config: JsonObject;
  onChange(config: JsonObject): void;
}

/**
 * "Send through": the channel, and for text channels what a reply that matches no option does. Shared by
 * the message and the form message editors; edits only `channel`, `unrecognised` and `reprompt`.
 */
export function ChannelField({ nodeId, config, onChange }: ChannelFieldProps) {
  const { channel, unrecognised, reprompt } = readMessageChannel(config);
  const issuesAt = useIssuesAt(nodeId);
  return (
    <fieldset className="field">
      <legend>Send through</legend>
      <label className="sub-field">
        <span>Channel</span>
        <select
          data-testid="field-channel"
          value={channel}
          onChange={(event) => onChange({ ...config, channel: event.target.value as MessageChannel })}
        >
          {MESSAGE_CHANNELS.map((choice) => (
            <option key={choice} value={choice}>
              {MESSAGE_CHANNEL_LABELS[choice]}
            </option>
          ))}
        </select>
      </label>
      <FieldIssues messages={issuesAt("config.channel")} />
      {channel !== "web" && (
        <>
          <p className="hint muted">
            The options go out numbered; the person replies with a number or a caption.
          </p>
          <label className="sub-field">
            <span>When a reply matches no option</span>
            <select
              data-testid="field-unrecognised"
              value={unrecognised}
              onChange={(event) => onChange({ ...config, unrecognised: event.target.value as Unrecognised })}
            >
              {UNRECOGNISED_CHOICES.map((choice) => (
                <option key={choice} value={choice}>
                  {UNRECOGNISED_LABELS[choice]}
                </option>
              ))}
            </select>
          </label>
          {unrecognised === "reprompt" && (
            <label className="sub-field">
              <span>Ask again with</span>
              <textarea
                data-testid="field-reprompt"
                rows={2}
                value={reprompt}
                placeholder={DEFAULT_REPROMPT_PLACEHOLDER}
                onChange={(event) => onChange({ ...config, reprompt: event.target.value })}
              />
            </label>
          )}
          <FieldIssues messages={[...issuesAt("config.unrecognised"), ...issuesAt("config.reprompt")]} />
        </>
      )}
    </fieldset>
  );
}

/** The channel badge on a message's node. */
export function ChannelBadge({ label }: { label: string | null }) {
  return label ? (
    <p className="node-summary channel-line">
      <span className="channel-badge" data-testid="channel-badge">
        {label}
      </span>
    </p>
  ) : null;
}
