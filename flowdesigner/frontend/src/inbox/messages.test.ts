import { describe, expect, it } from "vitest";
import { isAnswered, mergeMessages, readMessage } from "./messages";
import { testMessage as message } from "./testMessage";

const answered = (button: string, at: string, locked = true) => ({
  answered_button_id: button,
  answered_caption: button.toUpperCase(),
  answered_at: at,
  locked,
});
const dismissed = (at: string, locked = true) => ({ dismissed: true, answered_at: at, locked });

describe("mergeMessages", () => {
  it("keeps one entry per id, ordered by id, whatever order they arrive in", () => {
    const merged = mergeMessages([message(2), message(5)], [message(4), message(1), message(5)]);
    expect(merged.map((item) => item.id)).toEqual([1, 2, 4, 5]);
  });

  it("replaces a message with its newer copy", () => {
    const merged = mergeMessages([message(1), message(2)], [message(2, answered("yes", "2025-01-01T10:01:00Z"))]);
    expect(merged[1]).toMatchObject({ id: 2, answered_caption: "YES", locked: true });
    expect(merged[0]).toEqual(message(1));
  });

  it("does not let a late unanswered copy undo an answer or a dismiss", () => {
    const late = message(1, { text: "edited" });
    expect(mergeMessages([message(1, answered("yes", "2025-01-01T10:01:00Z"))], [late])[0]).toMatchObject({
      answered_button_id: "yes",
    });
    expect(mergeMessages([message(1, dismissed("2025-01-01T10:01:00Z"))], [late])[0]).toMatchObject({
      dismissed: true,
    });
  });

  it("takes a newer answer to a message that is not locked, and a dismiss after an answer", () => {
    const first = message(1, answered("yes", "2025-01-01T10:01:00Z", false));
    const second = message(1, answered("no", "2025-01-01T10:02:00Z", false));
    expect(mergeMessages([first], [second])[0]).toMatchObject({ answered_button_id: "no" });
    const gone = message(1, { ...dismissed("2025-01-01T10:03:00Z", false), answered_button_id: null });
    expect(mergeMessages([second], [gone])[0]).toMatchObject({ dismissed: true, answered_button_id: null });
  });

  it("does not let an older answer arriving late replace a newer one", () => {
    const newer = message(1, answered("no", "2025-01-01T10:02:00Z", false));
    const older = message(1, answered("yes", "2025-01-01T10:01:00Z", false));
    expect(mergeMessages([newer], [older])[0]).toMatchObject({ answered_button_id: "no" });
  });

  it("does not unlock a locked message", () => {
    const locked = message(1, answered("yes", "2025-01-01T10:01:00Z", true));
    const unlocked = message(1, answered("yes", "2025-01-01T10:01:00Z", false));
    expect(mergeMessages([locked], [unlocked])[0]!.locked).toBe(true);
  });
});

describe("readMessage", () => {
  it("fills what an older or partial payload leaves out", () => {
    const read = readMessage({ id: 3, text: "Hi", buttons: [{ id: "ok", caption: "OK" }], locked: false });
    expect(read).toMatchObject({
      id: 3,
      buttons: [{ id: "ok", caption: "OK", action: "" }],
      allow_dismiss: false,
      dismiss_caption: "Roger that",
      branding: null,
      branding_colors: null,
      alert: { type: "SILENT", interval: "NONE", vibrate: false },
      auto_lock: true,
      attachments: [],
      dismissed: false,
      answered_button_id: null,
    });
    expect(isAnswered(read)).toBe(false);
  });

  it("keeps every field of a full payload", () => {
    const full = {
      id: 4,
      direction: "out",
      flow_name: "F",
      sender_name: "City of Gent",
      text: "T",
      created_at: "2025-01-01T10:00:00Z",
      buttons: [{ id: "map", caption: "Map", action: "geo://1,2" }],
      allow_dismiss: true,
      dismiss_caption: "Later",
      branding: "acme",
      branding_colors: { background: "#102030", text: "#fff", scheme: "dark" },
      alert: { type: "RING_5", interval: "INTERVAL_15", vibrate: true },
      auto_lock: false,
      attachments: [{ name: "a", url: "https://x/a", content_type: "text/plain", size: 10 }],
      answered_button_id: null,
      answered_caption: null,
      dismissed: true,
      answered_at: "2025-01-01T10:01:00Z",
      locked: false,
      form: null,
      form_result: null,
      display_value: null,
    };
    expect(readMessage(full)).toEqual(full);
    expect(isAnswered(readMessage(full))).toBe(true);
  });

  it("shows the product's name as the sender when an older payload names none", () => {
    expect(readMessage({ id: 5, flow_name: "Internal churn test" }).sender_name).toBe("Flowdesigner");
  });
});
