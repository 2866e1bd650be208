import { useState } from "react";
import { describeError } from "../shared/http";
import type { Message } from "./types";

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

interface MessageCardProps {
  message: Message;
  onAnswer(buttonId: string): Promise<void>;
}

export function MessageCard({ message, onAnswer }: MessageCardProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answered = message.answered_button_id !== null;

  async function answer(buttonId: string) {
    setPending(true);
    setError(null);
    try {
      await onAnswer(buttonId);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <article className="message-card" data-testid={`message-${message.id}`}>
      <header className="message-meta">
        <span className="flow-name">{message.flow_name}</span>
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </header>
      <p className="message-text">{message.text}</p>
      {answered ? (
        <p className="answered" data-testid="answered">
          You answered: {message.answered_caption ?? message.answered_button_id}
        </p>
      ) : (
        message.buttons.length > 0 && (
          <div className="answer-buttons">
            {message.buttons.map((button) => (
              <button
                key={button.id}
                type="button"
                data-testid={`answer-${button.id}`}
                disabled={pending || message.locked}
                onClick={() => void answer(button.id)}
              >
                {button.caption}
              </button>
            ))}
          </div>
        )
      )}
      {message.locked && !answered && <p className="muted">This message can no longer be answered.</p>}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}
