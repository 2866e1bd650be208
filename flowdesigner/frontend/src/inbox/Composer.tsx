import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { describeError } from "../shared/http";
import { draftProblem, MAX_TEXT, sendsOnEnter } from "./composer";

interface ComposerProps {
  /** Sends the text; rejects with the server's reason when it is refused. */
  onSend(text: string): Promise<void>;
}

/**
 * Free text (or a keyword) to the service, under the conversation. Enter sends, Shift+Enter adds a line;
 * the box is disabled while sending and keeps the text when sending fails, with the reason shown.
 */
export function Composer({ onSend }: ComposerProps) {
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLTextAreaElement>(null);

  async function send() {
    if (sending) {
      return;
    }
    const problem = draftProblem(draft);
    if (problem) {
      setError(problem);
      return;
    }
    setSending(true);
    setError(null);
    try {
      await onSend(draft.trim());
      setDraft("");
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setSending(false);
      // The box was disabled while sending, which took the focus away: give it back for the next line.
      requestAnimationFrame(() => box.current?.focus());
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void send();
  }

  function keyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (sendsOnEnter({ key: event.key, shiftKey: event.shiftKey, isComposing: event.nativeEvent.isComposing })) {
      event.preventDefault();
      void send();
    }
  }

  return (
    <form className="composer" onSubmit={submit} data-testid="composer">
      {error && (
        <p className="composer-error error-text" role="alert" data-testid="composer-error">
          {error}
        </p>
      )}
      <div className="composer-row">
        <textarea
          ref={box}
          className="composer-text"
          data-testid="composer-text"
          aria-label="Message"
          placeholder="Write a message…"
          rows={1}
          maxLength={MAX_TEXT + 200}
          value={draft}
          disabled={sending}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={keyDown}
        />
        <button type="submit" className="composer-send" data-testid="composer-send" disabled={sending}>
          {sending ? "Sending…" : "Send"}
        </button>
      </div>
    </form>
  );
}

/** What the person wrote: their own bubble, on the right. */
export function OwnMessage({ text, createdAt }: { text: string; createdAt: string }) {
  const date = new Date(createdAt);
  return (
    <article className="own-message" data-testid="own-message">
      <p className="own-message-text">{text}</p>
      {!Number.isNaN(date.getTime()) && (
        <time dateTime={createdAt}>{date.toLocaleTimeString(undefined, { timeStyle: "short" })}</time>
      )}
    </article>
  );
}
