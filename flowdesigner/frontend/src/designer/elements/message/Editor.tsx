import { useState } from "react";
import type { EditorProps } from "../types";
import { buttonIdProblem, nextButtonId, readMessage, type MessageButton } from "./config";

export function MessageEditor({ config, onChange }: EditorProps) {
  const { text, buttons } = readMessage(config);
  const ids = buttons.map((button) => button.id);

  function setButtons(next: MessageButton[], renamed?: Record<string, string>) {
    onChange({ ...config, buttons: next }, renamed);
  }

  return (
    <>
      <label className="field">
        <span>Text</span>
        <textarea
          data-testid="field-text"
          rows={5}
          value={text}
          onChange={(event) => onChange({ ...config, text: event.target.value })}
        />
      </label>
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
              onChange={(changed, renamed) => setButtons(buttons.with(index, changed), renamed)}
              onRemove={() => setButtons(buttons.filter((_, other) => other !== index))}
            />
          ))}
        </ol>
        <button type="button" data-testid="add-button" onClick={() => setButtons([...buttons, { id: nextButtonId(ids), caption: "" }])}>
          Add button
        </button>
      </fieldset>
    </>
  );
}

interface ButtonRowProps {
  index: number;
  button: MessageButton;
  otherIds: string[];
  onChange(button: MessageButton, renamed?: Record<string, string>): void;
  onRemove(): void;
}

function ButtonRow({ index, button, otherIds, onChange, onRemove }: ButtonRowProps) {
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
        onRename={(id) => onChange({ ...button, id }, { [button.id]: id })}
      />
      <button type="button" data-testid={`remove-button-${index}`} onClick={onRemove} aria-label={`Remove button ${index + 1}`}>
        Remove
      </button>
    </li>
  );
}

interface ButtonIdInputProps {
  index: number;
  id: string;
  otherIds: string[];
  onRename(id: string): void;
}

/**
 * Commits each valid id as it is typed (so the exit's edge follows it) and keeps an invalid one only in
 * the input, with the reason shown, until it becomes valid.
 */
function ButtonIdInput({ index, id, otherIds, onRename }: ButtonIdInputProps) {
  const [invalidDraft, setInvalidDraft] = useState<string | null>(null);
  const [draftFor, setDraftFor] = useState(id);
  if (draftFor !== id) {
    // The committed id changed under us (a rename or a removed row above): drop the stale draft.
    setDraftFor(id);
    setInvalidDraft(null);
  }
  const problem = invalidDraft === null ? null : buttonIdProblem(invalidDraft, otherIds);
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
          if (buttonIdProblem(typed, otherIds) === null) {
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
