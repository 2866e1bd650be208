import { describe, expect, it } from "vitest";
import type { SimItem, SimMessage, Simulation } from "./api";
import { addItems, personChangeText, waitingOf, waitText } from "./conversation";

function simulation(state: Partial<Simulation["state"]>): Simulation {
  return {
    state: { status: "waiting", current: "ask", history: [{ node_id: "ask", type: "message" }], wait: null, ...state },
    now: "2026-12-02T10:00:00+00:00",
    started_at: "2026-12-02T10:00:00+00:00",
    run_id: "5d6f3d4c-0000-4000-8000-000000000000",
    seq: 1,
  };
}

const replyWait = { kind: "reply" as const, wake_at: null, event: null };

function message(id: number, nodeId: string): SimItem {
  const card: SimMessage = {
    id,
    direction: "out",
    flow_name: "Flow",
    sender_name: "Flowdesigner",
    text: `Text ${id}`,
    buttons: [{ id: "yes", caption: "Yes", action: "" }],
    allow_dismiss: false,
    dismiss_caption: "Roger that",
    branding: null,
    branding_colors: null,
    branding_key: null,
    channel: "web",
    alert: { type: "SILENT", interval: "NONE", vibrate: false },
    auto_lock: true,
    attachments: [],
    created_at: "2026-12-02T10:00:00+00:00",
    answered_button_id: null,
    answered_caption: "",
    answered_at: null,
    dismissed: false,
    locked: false,
    form: null,
    form_result: null,
    display_value: null,
  };
  return { kind: "message", node_id: nodeId, at: card.created_at, message: card };
}

describe("the conversation", () => {
  it("marks the answered card as the inbox does and keeps only the waiting card open", () => {
    const first = addItems([], [message(1, "ask")], simulation({ wait: replyWait }));
    expect(first).toHaveLength(1);
    expect(first[0]?.kind === "message" && first[0].message.locked).toBe(false);

    const answer: SimItem = {
      kind: "answer",
      node_id: "ask",
      at: "2026-12-02T10:01:00+00:00",
      answered_button_id: "yes",
      answered_caption: "Yes",
      display_value: "Yes",
      dismissed: false,
      form_result: null,
    };
    const next = addItems(
      first,
      [answer, message(2, "thanks")],
      simulation({ current: "thanks", history: [{ node_id: "thanks", type: "message" }], wait: replyWait }),
    );

    expect(next.map((entry) => entry.kind)).toEqual(["message", "message"]);
    const [asked, thanks] = next;
    expect(asked?.kind === "message" && asked.message).toMatchObject({
      answered_button_id: "yes",
      display_value: "Yes",
      answered_at: "2026-12-02T10:01:00+00:00",
      locked: true,
    });
    expect(thanks?.kind === "message" && thanks.message.locked).toBe(false);
  });

  it("locks every card once the flow waits for something else", () => {
    const entries = addItems([], [message(1, "ask")], simulation({ wait: { kind: "timer", wake_at: "2026-12-04T10:00:00+00:00", event: null } }));
    expect(entries[0]?.kind === "message" && entries[0].message.locked).toBe(true);
  });
});

describe("what the flow waits for", () => {
  it("offers a skip when the wait has an end, and text for an Evaluate reply step", () => {
    expect(waitingOf(null)).toBeNull();
    expect(waitingOf(simulation({ status: "completed", wait: null }))).toBeNull();
    expect(waitingOf(simulation({ current: "pause", wait: { kind: "timer", wake_at: "2026-12-04T10:00:00+00:00", event: null } }))).toEqual({
      kind: "timer",
      until: "2026-12-04T10:00:00+00:00",
      nodeId: "pause",
      textReply: false,
    });
    const evaluating = simulation({ current: "eval", history: [{ node_id: "eval", type: "evaluate_reply" }], wait: replyWait });
    expect(waitingOf(evaluating)?.textReply).toBe(true);
  });

  it("is said in words", () => {
    expect(waitText("reply", null)).toBe("Waits for an answer");
    expect(waitText("event", null, "purchase")).toBe('Waits for the event "purchase"');
    expect(waitText("timer", "2026-12-04T10:00:00+00:00")).toMatch(/^Waits for time to pass until .*2026/);
  });
});

describe("person changes", () => {
  it("are sentences of what would change", () => {
    expect(personChangeText({ kind: "person_update", node_id: null, at: "", change: "attributes", values: { city: "Bruges", score: null } })).toBe(
      'Would set city to "Bruges", clear score',
    );
    expect(personChangeText({ kind: "person_update", node_id: null, at: "", change: "tags", add: ["VIP"], remove: ["Old", "Cold"] })).toBe(
      "Would add tag VIP and remove tags Old, Cold",
    );
  });
});
