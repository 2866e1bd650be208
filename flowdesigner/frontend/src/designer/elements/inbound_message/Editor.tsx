import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { InboundConditionList } from "../../components/InboundConditionList";
import { RecipientPicker } from "../../components/RecipientPicker";
import type { EditorProps } from "../types";
import { CaptureList } from "./CaptureList";
import {
  INBOUND_CHANNEL_LABELS,
  INBOUND_CHANNELS,
  readInboundMessage,
  switchInboundChannel,
  withConditions,
  type InboundChannel,
} from "./config";

export function InboundMessageEditor({ nodeId, config, onChange }: EditorProps) {
  const message = readInboundMessage(config);
  const issuesAt = useIssuesAt(nodeId);
  return (
    <>
      <p className="hint muted">
        A person enters when their message matches any of the conditions. Several Inbound Message entries may
        share a flow; across flows the more exact operator wins, and a tie is broken at random.
      </p>
      <label className="field">
        <span>Channel</span>
        <select
          data-testid="field-inbound-channel"
          value={message.channel}
          onChange={(event) => onChange(switchInboundChannel(config, event.target.value as InboundChannel))}
        >
          {INBOUND_CHANNELS.map((channel) => (
            <option key={channel} value={channel}>
              {INBOUND_CHANNEL_LABELS[channel]}
            </option>
          ))}
        </select>
        <FieldIssues messages={issuesAt("config.channel")} />
      </label>
      {message.channel !== "web" && (
        <RecipientPicker
          testId="field-recipient"
          kind={message.channel}
          value={message.recipient}
          onChange={(recipient) => onChange({ ...config, recipient })}
          messages={issuesAt("config.recipient")}
        />
      )}
      <fieldset className="field">
        <legend>Conditions on the message body</legend>
        <InboundConditionList
          testId="inbound-condition"
          conditions={message.conditions}
          onChange={(conditions) => onChange(withConditions(config, conditions))}
          messagesAt={(index) => issuesAt(`config.conditions[${index}]`, true)}
        />
        <FieldIssues messages={issuesAt("config.conditions")} />
      </fieldset>
      <CaptureList
        captures={message.capture}
        onChange={(capture) => onChange({ ...config, capture })}
        messagesAt={(index) => issuesAt(`config.capture[${index}]`, true)}
      />
    </>
  );
}
