import { useId } from "react";
import { useChannels } from "../catalog";
import { anyRecipientLabel, recipientChoices } from "../recipients";
import { FieldIssues } from "./FieldIssues";

interface RecipientPickerProps {
  testId: string;
  /** The channel kind whose identities are offered: "sms", "email" or "voice". */
  kind: string;
  value: string;
  onChange(recipient: string): void;
  /** The server's issues about the recipient. */
  messages: readonly string[];
}

/**
 * "To recipient": one of the identities of our active channels of `kind`, or "" for any of them. When the
 * channels cannot be listed, a free text input (with what is known as suggestions) keeps the field usable.
 */
export function RecipientPicker({ testId, kind, value, onChange, messages }: RecipientPickerProps) {
  const channels = useChannels();
  const listId = useId();
  const anyLabel = anyRecipientLabel(kind);
  const choices = recipientChoices(channels.status === "loaded" ? channels.value : [], kind, value);
  return (
    <label className="field">
      <span>To recipient</span>
      {channels.status === "loaded" ? (
        <select data-testid={testId} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">{anyLabel}</option>
          {choices.groups.map((group) => (
            <optgroup key={group.label} label={group.label}>
              {group.identities.map((identity) => (
                <option key={identity} value={identity}>
                  {identity}
                </option>
              ))}
            </optgroup>
          ))}
          {choices.unknown !== null && <option value={choices.unknown}>{choices.unknown} (not one of ours)</option>}
        </select>
      ) : (
        <>
          <input
            data-testid={testId}
            list={listId}
            value={value}
            placeholder={anyLabel}
            disabled={channels.status === "loading"}
            onChange={(event) => onChange(event.target.value)}
          />
          <datalist id={listId}>
            {choices.groups.flatMap((group) =>
              group.identities.map((identity) => <option key={identity} value={identity} />),
            )}
          </datalist>
        </>
      )}
      {channels.status === "loaded" && choices.groups.length === 0 && (
        <span className="hint muted">No active {kind === "email" ? "email" : kind.toUpperCase()} channel has numbers or addresses yet.</span>
      )}
      {channels.status === "failed" && (
        <span className="hint muted">Our channels could not be listed ({channels.error}); type the number or address, or leave it empty for any.</span>
      )}
      <FieldIssues messages={messages} />
    </label>
  );
}
