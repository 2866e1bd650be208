import { useState } from "react";
import { formatSize } from "../shared/format";
import { describeError } from "../shared/http";
import { buttonBehaviour, webUrl } from "./actions";
import { brandingCardStyle, brandingFrameHeight, brandingFrameUrl } from "./branding";
import { ConfirmDialog } from "./ConfirmDialog";
import type { Upload } from "./forms";
import { FormView } from "./FormView";
import { isAnswered } from "./messages";
import type { Answer, Attachment, Message, MessageButton } from "./types";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

interface MessageCardProps {
  message: Message;
  /** How many times this message's alert has played on this page. */
  alerts: number;
  onAnswer(answer: Answer): Promise<void>;
  /** Stores a photo of a photo upload form. */
  onUpload(file: File): Promise<Upload>;
}

/**
 * A Rogerthat-style message card. An auto-locked answer is final: the buttons go and the answer is shown.
 * Otherwise the chosen button stays marked and another one (or the dismiss) changes the answer.
 */
export function MessageCard({ message, alerts, onAnswer, onUpload }: MessageCardProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<{ buttonId: string; text: string } | null>(null);
  const answered = isAnswered(message);

  async function answer(given: Answer) {
    setPending(true);
    setError(null);
    try {
      await onAnswer(given);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setPending(false);
    }
  }

  function press(button: MessageButton) {
    if (pending) {
      return;
    }
    const behaviour = buttonBehaviour(button.action);
    if (behaviour.kind === "confirm") {
      setConfirming({ buttonId: button.id, text: behaviour.text });
    } else {
      // A link is followed by the browser itself; the answer is recorded alongside.
      void answer({ button_id: button.id });
    }
  }

  const showButtons = !message.form && !message.locked && (message.buttons.length > 0 || message.allow_dismiss);
  const textId = `message-text-${message.id}`;
  // A package that was deleted has no colours: its text is shown plain rather than a missing page.
  const branded = message.branding !== null && message.branding_colors !== null;

  return (
    <article
      className={`message-card${branded ? " branded" : ""}`}
      data-testid={`message-${message.id}`}
      data-alerts={alerts}
      style={branded ? brandingCardStyle(message.branding_colors) : undefined}
    >
      <header className="message-meta">
        <span className="sender-name" data-testid="sender-name">
          {message.sender_name}
        </span>
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </header>
      {branded ? (
        // sandbox="": no scripts, no same origin, no forms or navigation; the server's CSP says the same.
        <iframe
          className="branding-frame"
          id={textId}
          data-testid="branding-frame"
          sandbox=""
          src={brandingFrameUrl(message.branding!, message.id)}
          title={`Message from ${message.sender_name}`}
          height={brandingFrameHeight(message.text)}
          loading="lazy"
          referrerPolicy="no-referrer"
        />
      ) : (
        <p className="message-text" id={textId}>
          {message.text}
        </p>
      )}
      {message.attachments.length > 0 && <AttachmentList attachments={message.attachments} />}
      {answered && (
        <p className="answered" data-testid="answered">
          {message.dismissed
            ? "Dismissed"
            : `You answered: ${message.display_value ?? message.answered_caption ?? message.answered_button_id}`}
        </p>
      )}
      {showButtons && (
        <div className="answer-buttons">
          {message.buttons.map((button) => (
            <AnswerButton
              key={button.id}
              button={button}
              chosen={!message.dismissed && message.answered_button_id === button.id}
              pending={pending}
              onPress={() => press(button)}
            />
          ))}
          {message.allow_dismiss && (
            <button
              type="button"
              className="dismiss"
              data-testid="dismiss"
              aria-pressed={message.dismissed}
              disabled={pending}
              onClick={() => void answer({ dismiss: true })}
            >
              {message.dismiss_caption}
            </button>
          )}
        </div>
      )}
      {message.form && !message.locked && (
        <FormView
          // A new answer (from this page or another) resets the widget to what the message asks.
          key={message.answered_at ?? "unanswered"}
          labelId={textId}
          form={message.form}
          onAnswer={onAnswer}
          upload={onUpload}
        />
      )}
      {message.locked && !answered && <p className="muted">This message can no longer be answered.</p>}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          text={confirming.text}
          onNo={() => setConfirming(null)}
          onYes={() => {
            setConfirming(null);
            void answer({ button_id: confirming.buttonId });
          }}
        />
      )}
    </article>
  );
}

interface AnswerButtonProps {
  button: MessageButton;
  chosen: boolean;
  pending: boolean;
  onPress(): void;
}

function AnswerButton({ button, chosen, pending, onPress }: AnswerButtonProps) {
  const behaviour = buttonBehaviour(button.action);
  if (behaviour.kind === "link") {
    return (
      <a
        className={`answer-button${chosen ? " chosen" : ""}`}
        data-testid={`answer-${button.id}`}
        data-chosen={chosen}
        // A link cannot be "pressed" in ARIA terms; it marks the current answer instead.
        aria-current={chosen ? "true" : undefined}
        aria-disabled={pending || undefined}
        href={behaviour.href}
        {...(behaviour.newTab ? { target: "_blank", rel: "noopener noreferrer" } : {})}
        onClick={onPress}
      >
        {button.caption}
      </a>
    );
  }
  return (
    <button
      type="button"
      className={`answer-button${chosen ? " chosen" : ""}`}
      data-testid={`answer-${button.id}`}
      data-chosen={chosen}
      aria-pressed={chosen}
      aria-haspopup={behaviour.kind === "confirm" ? "dialog" : undefined}
      disabled={pending}
      onClick={onPress}
    >
      {button.caption}
    </button>
  );
}

function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  return (
    <ul className="attachments" aria-label="Attachments">
      {attachments.map((attachment, index) => {
        const href = attachmentUrl(attachment.url);
        const details = [formatSize(attachment.size), attachment.content_type].filter(Boolean).join(" · ");
        const name = attachment.name || attachment.url;
        return (
          <li key={index} data-testid={`attachment-${index}`}>
            {href ? (
              <a href={href} target="_blank" rel="noopener noreferrer">
                {name}
              </a>
            ) : (
              <span>{name}</span>
            )}
            {details && <span className="attachment-details">{details}</span>}
          </li>
        );
      })}
    </ul>
  );
}

/** An attachment's URL if it is a web address (absolute or on this site); never javascript: and the like. */
function attachmentUrl(url: string): string | null {
  return url ? webUrl(url, window.location.href) : null;
}
