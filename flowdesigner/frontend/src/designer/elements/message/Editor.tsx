import { useState } from "react";
import type { EditorProps } from "../types";
import { ACTION_LABELS, actionProblem, formatAction, parseAction, switchKind, type ActionKind } from "./actions";
import {
  buttonAction,
  buttonIdProblem,
  DEFAULT_DISMISS_CAPTION,
  DISMISS_EXIT,
  nextButtonId,
  readMessage,
  TEMPLATE_VARIABLES,
  type MessageButton,
} from "./config";
import { hasOtherExit, OTHER_EXIT } from "./channel";
import { ChannelField } from "./ChannelField";
import { MessageOptions } from "./options";
import { ReplyTimeoutField } from "./ReplyTimeout";

export function MessageEditor({ nodeId, config, onChange }: EditorProps) {
  const message = readMessage(config);
  const { text, buttons, allow_dismiss: allowDismiss } = message;
  const ids = buttons.map((button) => button.id);

  function setButtons(next: MessageButton[], renamed?: Record<string, string>) {
    onChange({ ...config, buttons: next }, renamed);
  }

  return (
    <>
      <ChannelField nodeId={nodeId} config={config} onChange={onChange} />

      <label className="field">
        <span>Text</span>
        <textarea
          data-testid="field-text"
          rows={5}
          value={text}
          aria-describedby="message-variables"
          onChange={(event) => onChange({ ...config, text: event.target.value })}
        />
      </label>
      <p id="message-variables" className="hint muted" data-testid="variables-hint">
        Variables: {TEMPLATE_VARIABLES.map((name) => `{{ ${name} }}`).join(", ")}. With a fallback:{" "}
        <code>{'{{ person.first_name|default("friend") }}'}</code>
      </p>

      <fieldset className="field">
        <legend>Buttons</legend>
        <ol className="button-rows">
          {buttons.map((button, index) => (
            <ButtonRow
              // Rows are positional: the id is editable, so it cannot be the key.
              key={index}
              index={index}
              button={button}
              otherIds={ids.filter((_, other) => other !== index)}
              allowDismiss={allowDismiss}
              onChange={(changed, renamed) => setButtons(buttons.with(index, changed), renamed)}
              onRemove={() => setButtons(buttons.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
        {hasOtherExit(config) && ids.includes(OTHER_EXIT) && (
          <span className="error-text">
            Rename the button with id “{OTHER_EXIT}”: that is the exit of replies that match no option.
          </span>
        )}
        <button
          type="button"
          data-testid="add-button"
          onClick={() => setButtons([...buttons, { id: nextButtonId(ids), caption: "" }])}
        >
          Add button
        </button>
      </fieldset>

      <fieldset className="field">
        <legend>Dismiss</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="field-allow-dismiss"
            checked={allowDismiss}
            onChange={(event) => onChange({ ...config, allow_dismiss: event.target.checked })}
          />
          Offer a dismiss button, with its own exit
        </label>
        <label className="sub-field">
          <span>Caption</span>
          <input
            data-testid="field-dismiss-caption"
            value={message.dismiss_caption}
            placeholder={DEFAULT_DISMISS_CAPTION}
            disabled={!allowDismiss}
            onChange={(event) => onChange({ ...config, dismiss_caption: event.target.value })}
          />
        </label>
        {allowDismiss && ids.includes(DISMISS_EXIT) && (
          <span className="error-text">Rename the button with id “{DISMISS_EXIT}”: that is the dismiss exit.</span>
        )}
      </fieldset>

      <ReplyTimeoutField config={config} onChange={onChange} />

      <MessageOptions config={config} onChange={onChange} />
    </>
  );
}

interface ButtonRowProps {
  index: number;
  button: MessageButton;
  otherIds: string[];
  allowDismiss: boolean;
  onChange(button: MessageButton, renamed?: Record<string, string>): void;
  onRemove(): void;
}

function ButtonRow({ index, button, otherIds, allowDismiss, onChange, onRemove }: ButtonRowProps) {
  return (
    <li className="button-row">
      <label>
        <span>Caption</span>
        <input
          data-testid={`button-caption-${index}`}
          value={button.caption}
          onChange={(event) => onChange({ ...button, caption: event.target.value })}
        />
      </label>
      <ButtonIdInput
        index={index}
        id={button.id}
        otherIds={otherIds}
        allowDismiss={allowDismiss}
        onRename={(id) => onChange({ ...button, id }, { [button.id]: id })}
      />
      <button
        type="button"
        data-testid={`remove-button-${index}`}
        onClick={onRemove}
        aria-label={`Remove button ${index + 1}`}
      >
        Remove
      </button>
      <ActionInput index={index} action={buttonAction(button)} onChange={(action) => onChange({ ...button, action })} />
    </li>
  );
}

interface ActionInputProps {
  index: number;
  action: string;
  onChange(action: string): void;
}

const VALUE_INPUTS: Partial<Record<ActionKind, { label: string; type: string; placeholder: string }>> = {
  tel: { label: "Phone number", type: "tel", placeholder: "+32 9 324 25 64" },
  confirm: { label: "Confirmation question", type: "text", placeholder: "Are you sure?" },
  web: { label: "Web address", type: "url", placeholder: "https://example.org/" },
  email: { label: "Email address", type: "email", placeholder: "info@example.org" },
  other: { label: "Action", type: "text", placeholder: "" },
};

/** The action picker of one button and the input(s) its kind needs; edits produce the action string. */
function ActionInput({ index, action, onChange }: ActionInputProps) {
  // The kind last picked here: a web address typed without (or before) its scheme does not parse as a web
  // page, and the picker should not jump to "Unsupported" under the marketer's fingers.
  const [picked, setPicked] = useState<ActionKind | null>(null);
  const parsed = parseAction(action);
  const fields = picked === "web" && parsed.kind === "other" ? { ...parsed, kind: picked } : parsed;
  const problem = actionProblem(action);
  const errorId = `button-action-error-${index}`;
  const valueInput = VALUE_INPUTS[fields.kind];
  const invalid = problem !== null;

  return (
    <div className={`button-action${fields.kind === "geo" ? " geo" : ""}`}>
      <label>
        <span>Action</span>
        <select
          data-testid={`button-action-${index}`}
          value={fields.kind}
          onChange={(event) => {
            const kind = event.target.value as ActionKind;
            setPicked(kind);
            onChange(switchKind(fields, kind));
          }}
        >
          {ACTION_LABELS.map(([kind, label]) => (
            <option key={kind} value={kind}>
              {label}
            </option>
          ))}
          {fields.kind === "other" && <option value="other">Unsupported</option>}
        </select>
      </label>
      {valueInput && (
        <label>
          <span>{valueInput.label}</span>
          <input
            data-testid={`button-action-value-${index}`}
            type={valueInput.type}
            value={fields.value}
            placeholder={valueInput.placeholder}
            aria-invalid={invalid}
            aria-describedby={invalid ? errorId : undefined}
            onChange={(event) => onChange(formatAction({ ...fields, value: event.target.value }))}
          />
        </label>
      )}
      {fields.kind === "geo" && (
        <>
          <label>
            <span>Latitude</span>
            <input
              data-testid={`button-action-lat-${index}`}
              inputMode="decimal"
              value={fields.lat}
              placeholder="51.05"
              aria-invalid={invalid}
              aria-describedby={invalid ? errorId : undefined}
              onChange={(event) => onChange(formatAction({ ...fields, lat: event.target.value.replaceAll(",", ".") }))}
            />
          </label>
          <label>
            <span>Longitude</span>
            <input
              data-testid={`button-action-lng-${index}`}
              inputMode="decimal"
              value={fields.lng}
              placeholder="3.72"
              aria-invalid={invalid}
              aria-describedby={invalid ? errorId : undefined}
              onChange={(event) => onChange(formatAction({ ...fields, lng: event.target.value.replaceAll(",", ".") }))}
            />
          </label>
        </>
      )}
      {problem && (
        <span id={errorId} className="error-text action-problem">
          {problem}
        </span>
      )}
    </div>
  );
}

interface ButtonIdInputProps {
  index: number;
  id: string;
  otherIds: string[];
  allowDismiss: boolean;
  onRename(id: string): void;
}

/**
 * Commits each valid id as it is typed (so the exit's edge follows it) and keeps an invalid one only in
 * the input, with the reason shown, until it becomes valid.
 */
function ButtonIdInput({ index, id, otherIds, allowDismiss, onRename }: ButtonIdInputProps) {
  const [invalidDraft, setInvalidDraft] = useState<string | null>(null);
  const [draftFor, setDraftFor] = useState(id);
  if (draftFor !== id) {
    // The committed id changed under us (a rename or a removed row above): drop the stale draft.
    setDraftFor(id);
    setInvalidDraft(null);
  }
  const problem = invalidDraft === null ? null : buttonIdProblem(invalidDraft, otherIds, allowDismiss);
  const errorId = `button-id-error-${index}`;

  return (
    <label>
      <span>Id</span>
      <input
        data-testid={`button-id-${index}`}
        value={invalidDraft ?? id}
        aria-invalid={problem !== null}
        aria-describedby={problem ? errorId : undefined}
        onChange={(event) => {
          const typed = event.target.value;
          if (buttonIdProblem(typed, otherIds, allowDismiss) === null) {
            setInvalidDraft(null);
            if (typed !== id) {
              onRename(typed);
            }
          } else {
            setInvalidDraft(typed);
          }
        }}
      />
      {problem && (
        <span id={errorId} className="error-text">
          {problem}
        </span>
      )}
    </label>
  );
}
