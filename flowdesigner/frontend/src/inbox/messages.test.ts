import { describe, expect, it } from "vitest";
import { mergeMessages } from "./messages";
import type { Message } from "./types";

function message(id: number, changes: Partial<Message> = {}): Message {
  return {
    id,
    flow_name: "Welcome",
    text: `Message ${id}`,
    buttons: [{ id: "yes", caption: "Yes" }],
    created_at: "2025-01-01T10:00:00Z",
    answered_button_id: null,
    answered_caption: null,
    answered_at: null,
    locked: false,
    ...changes,
  };
}

const answered = { answered_button_id: "yes", answered_caption: "Yes", answered_at: "2025-01-01T10:01:00Z" };

describe("mergeMessages", () => {
  it("keeps one entry per id, ordered by id, whatever order they arrive in", () => {
    const merged = mergeMessages([message(2), message(5)], [message(4), message(1), message(5)]);
    expect(merged.map((item) => item.id)).toEqual([1, 2, 4, 5]);
  });

  it("replaces a message with its newer copy", () => {
    const merged = mergeMessages([message(1), message(2)], [message(2, { ...answered, locked: true })]);
    expect(merged[1]).toMatchObject({ id: 2, answered_caption: "Yes", locked: true });
    expect(merged[0]).toEqual(message(1));
  });

  it("does not let a late unanswered copy undo an answer", () => {
    const merged = mergeMessages([message(1, answered)], [message(1, { text: "edited" })]);
    expect(merged[0]).toMatchObject({ answered_button_id: "yes" });
  });
});
