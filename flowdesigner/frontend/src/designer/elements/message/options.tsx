import { useEffect, useState } from "react";
import { formatSize } from "../../../shared/format";
import { describeError } from "../../../shared/http";
import type { BrandingInfo } from "../../api";
import { useDesigner } from "../../context";
import type { JsonObject } from "../../types";
import { brandingChoices } from "./branding";
import {
  ALERT_INTERVAL_LABELS,
  ALERT_INTERVALS,
  ALERT_TYPE_LABELS,
  ALERT_TYPES,
  readMessageOptions,
  type Attachment,
  type MessageAlert,
} from "./config";

interface MessageOptionsProps {
  config: JsonObject;
  onChange(config: JsonObject): void;
}

/**
 * The options every Rogerthat message has, whatever it asks for: branding, alert, auto-lock and
 * attachments. Shared by the message and the form message editors; edits only those keys of `config`.
 */
export function MessageOptions({ config, onChange }: MessageOptionsProps) {
  const { alert, attachments, auto_lock: autoLock, branding } = readMessageOptions(config);

  function setAlert(changes: Partial<MessageAlert>) {
    onChange({ ...config, alert: { ...alert, ...changes } });
  }
  function setAttachments(next: Attachment[]) {
    onChange({ ...config, attachments: next });
  }

  return (
    <>
      <BrandingSelect
        value={branding}
        onChange={(key) => onChange({ ...config, branding: key || null })}
      />

      <fieldset className="field">
        <legend>Alert</legend>
        <div className="field-pair">
          <label className="sub-field">
            <span>Sound</span>
            <select
              data-testid="field-alert-type"
              value={alert.type}
              onChange={(event) => setAlert({ type: event.target.value as MessageAlert["type"] })}
            >
              {ALERT_TYPES.map((type) => (
                <option key={type} value={type}>
                  {ALERT_TYPE_LABELS[type]}
                </option>
              ))}
            </select>
          </label>
          <label className="sub-field">
            <span>Repeat</span>
            <select
              data-testid="field-alert-interval"
              value={alert.interval}
              onChange={(event) => setAlert({ interval: event.target.value as MessageAlert["interval"] })}
            >
              {ALERT_INTERVALS.map((interval) => (
                <option key={interval} value={interval}>
                  {ALERT_INTERVAL_LABELS[interval]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label className="check">
          <input
            type="checkbox"
            data-testid="field-vibrate"
            checked={alert.vibrate}
            onChange={(event) => setAlert({ vibrate: event.target.checked })}
          />
          Vibrate
        </label>
      </fieldset>

      <label className="field check">
        <input
          type="checkbox"
          data-testid="field-auto-lock"
          checked={autoLock}
          onChange={(event) => onChange({ ...config, auto_lock: event.target.checked })}
        />
        Auto-lock: the first answer is final
      </label>

      <fieldset className="field">
        <legend>Attachments</legend>
        {attachments.length > 0 && (
          <ol className="attachment-rows">
            {attachments.map((attachment, index) => (
              <AttachmentRow
                key={index}
                index={index}
                attachment={attachment}
                onChange={(changed) => setAttachments(attachments.with(index, changed))}
                onRemove={() => setAttachments(attachments.filter((_, other) => other !== index))}
              />
            ))}
          </ol>
        )}
        <button
          type="button"
          data-testid="add-attachment"
          onClick={() => setAttachments([...attachments, { name: "", url: "", content_type: "", size: 0 }])}
        >
          Add attachment
        </button>
      </fieldset>
    </>
  );
}

function BrandingSelect({ value, onChange }: { value: string | null; onChange(key: string): void }) {
  const { api } = useDesigner();
  const [brandings, setBrandings] = useState<BrandingInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.brandings().then(
      (loaded) => live && setBrandings(loaded),
      (failure: unknown) => live && setError(describeError(failure)),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return (
    <label className="field">
      <span>Branding</span>
      <select
        data-testid="field-branding"
        value={value ?? ""}
        disabled={brandings === null && !error}
        onChange={(event) => onChange(event.target.value)}
      >
        {brandingChoices(brandings ?? [], value).map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
      {error && <span className="error-text">Brandings could not be loaded: {error}</span>}
    </label>
  );
}

interface AttachmentRowProps {
  index: number;
  attachment: Attachment;
  onChange(attachment: Attachment): void;
  onRemove(): void;
}

function AttachmentRow({ index, attachment, onChange, onRemove }: AttachmentRowProps) {
  const size = formatSize(attachment.size);
  return (
    <li className="attachment-row">
      <label>
        <span>Name</span>
        <input
          data-testid={`attachment-name-${index}`}
          value={attachment.name}
          onChange={(event) => onChange({ ...attachment, name: event.target.value })}
        />
      </label>
      <label>
        <span>URL</span>
        <input
          data-testid={`attachment-url-${index}`}
          type="url"
          value={attachment.url}
          placeholder="https://example.org/file.pdf"
          onChange={(event) => onChange({ ...attachment, url: event.target.value })}
        />
      </label>
      <label>
        <span>Content type</span>
        <input
          data-testid={`attachment-type-${index}`}
          value={attachment.content_type}
          placeholder="application/pdf"
          onChange={(event) => onChange({ ...attachment, content_type: event.target.value })}
        />
      </label>
      <label>
        <span>Size in bytes{size && ` (${size})`}</span>
        <input
          data-testid={`attachment-size-${index}`}
          type="number"
          min={0}
          step={1}
          value={attachment.size}
          onChange={(event) => {
            const bytes = event.target.valueAsNumber;
            onChange({ ...attachment, size: Number.isFinite(bytes) ? Math.max(0, Math.floor(bytes)) : 0 });
          }}
        />
      </label>
      <button
        type="button"
        data-testid={`remove-attachment-${index}`}
        onClick={onRemove}
        aria-label={`Remove attachment ${index + 1}`}
      >
        Remove
      </button>
    </li>
  );
}
