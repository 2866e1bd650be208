import { describe, expect, it } from "vitest";
import {
  completionRate,
  deliveryTable,
  elementExitsTable,
  exitElementBars,
  exitLabel,
  messageBars,
  sourcesTable,
} from "./sections";
import type { FlowDoc, FlowDocNode } from "./types";

const ask: FlowDocNode = {
  id: "ask",
  type: "message",
  config: {
    text: "Coming on Friday?",
    buttons: [
      { id: "yes", caption: "Yes" },
      { id: "no", caption: "No" },
    ],
    allow_dismiss: true,
    dismiss_caption: "Not now",
  },
  exits: { yes: "accepted", no: "declined", dismiss: "declined" },
};
const form: FlowDocNode = {
  id: "where",
  type: "form_message",
  config: { text: "Where?", positive_caption: "Send", negative_caption: "Skip" },
  exits: { positive: "accepted", negative: "accepted" },
};
const definition: FlowDoc = {
  spec_version: 1,
  nodes: [
    ask,
    form,
    { id: "accepted", type: "exit", config: { name: "Accepted" }, exits: {} },
    { id: "declined", type: "exit", config: { name: "Declined" }, exits: {} },
  ],
};

describe("messageBars", () => {
  it("gives every button by caption in order, zeros included, then other exits someone took", () => {
    const counts = { exits: { no: 4, yes: 7, dismiss: 0, no_answer: 2, removed: 1, maybe: 3 } };
    expect(messageBars(ask, counts)).toEqual([
      { label: "Yes", count: 7 },
      { label: "No", count: 4 },
      { label: "No answer (timed out)", count: 2 },
      { label: "Taken out of the flow", count: 1 },
      { label: "maybe", count: 3 },
    ]);
    expect(messageBars(ask, undefined)).toEqual([
      { label: "Yes", count: 0 },
      { label: "No", count: 0 },
    ]);
  });

  it("names the dismiss by its caption", () => {
    expect(messageBars(ask, { exits: { dismiss: 2 } }).at(-1)).toEqual({ label: "Not now", count: 2 });
  });
});

describe("exits", () => {
  it("counts completions at each Exit element", () => {
    const nodes = { accepted: { entered: 5, exits: { "": 5 } } };
    expect(exitElementBars(definition, nodes)).toEqual([
      { label: "Accepted", count: 5 },
      { label: "Declined", count: 0 },
    ]);
  });

  it("lists every element's exits by their captions", () => {
    const nodes = { ask: { exits: { yes: 3, other: 1 } }, where: { exits: { positive: 2 } } };
    expect(elementExitsTable(definition, nodes)).toEqual({
      columns: ["Element", "Exit", "Passed"],
      rows: [
        ["Coming on Friday?", "Yes", 3],
        ["Coming on Friday?", "No", 0],
        ["Coming on Friday?", "Not now", 0],
        ["Coming on Friday?", "Other reply", 1],
        ["Where?", "Send", 2],
        ["Where?", "Skip", 0],
      ],
    });
    expect(exitLabel(undefined, "next")).toBe("next");
  });
});

describe("deliveryTable", () => {
  it("puts channels in rows and the states in use in their usual order, with totals", () => {
    const { table, states } = deliveryTable({
      web: { sent: 10, read: 5, expired: 1 },
      sms: { queued: 0, sent: 3, delivered: 7, failed: 1, bounced: 2 },
      email: { sent: 0 },
    });
    expect(states).toEqual(["queued", "sent", "delivered", "read", "failed", "expired", "bounced"]);
    expect(table.rows).toEqual([
      ["Web inbox", 0, 10, 0, 5, 0, 1, 0, 16],
      ["SMS", 0, 3, 7, 0, 1, 0, 2, 13],
    ]);
  });
});

describe("sourcesTable", () => {
  it("lists only sources with counts", () => {
    expect(
      sourcesTable({
        flow_api: { operations: 3, valid: 10, invalid: 2 },
        sftp: { files: 0, valid: 0, invalid: 0 },
      }).rows,
    ).toEqual([["Flow API", 3, 10, 2]]);
  });
});

describe("completionRate", () => {
  it("is the share of those who entered who completed", () => {
    expect(completionRate({ entered: 300, completed: 150 })).toBe(50);
    expect(completionRate({})).toBeNull();
  });
});
