/** The composer's rules, kept apart from the component so they can be tested without a browser. */

/** The server's limit for one message (messaging.inbound.web_inbound). */
export const MAX_TEXT = 1000;

/** Why `draft` cannot be sent yet, or null when it can. The server checks the same again. */
export function draftProblem(draft: string): string | null {
  const text = draft.trim();
  if (text.length === 0) {
    return "Write a message first.";
  }
  if (text.length > MAX_TEXT) {
    return `A message has at most ${MAX_TEXT} characters (this one has ${text.length}).`;
  }
  return null;
}

interface KeyPress {
  key: string;
  shiftKey: boolean;
  /** An input method (e.g. for Japanese) is still composing: Enter confirms its text, it does not send. */
  isComposing: boolean;
}

/** Enter sends; Shift+Enter starts a new line. */
export function sendsOnEnter(press: KeyPress): boolean {
  return press.key === "Enter" && !press.shiftKey && !press.isComposing;
}
