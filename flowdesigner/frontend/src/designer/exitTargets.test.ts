import { describe, expect, it } from "vitest";
import { exitConnections, nodeCaption, targetChoices } from "./exitTargets";
import { exitEdge } from "./graph";

const types = new Map([
  ["predefined_audience", { label: "Predefined audience", category: "entry" as const }],
  ["message", { label: "Message", category: "step" as const }],
  ["exit", { label: "Exit", category: "exit" as const }],
]);

function node(id: string, type: string, config: Record<string, unknown> = {}) {
  return { id, data: { type, config, extra: {}, storedExits: [] } };
}

describe("nodeCaption", () => {
  it("takes an exit's name, else a message's text, on one line and shortened", () => {
    expect(nodeCaption({ name: "Accepted", text: "ignored" })).toBe("Accepted");
    expect(nodeCaption({ text: "Coming\n on   Friday?" })).toBe("Coming on Friday?");
    expect(nodeCaption({ text: "x".repeat(60) })).toBe(`${"x".repeat(39)}…`);
    expect(nodeCaption({ name: "  ", text: 3 })).toBe("");
  });
});

describe("targetChoices", () => {
  const nodes = [
    node("audience", "predefined_audience"),
    node("ask", "message", { text: "Coming on Friday?" }),
    node("thanks", "message", { text: "Great!" }),
    node("done", "exit", { name: "Accepted" }),
    node("legacy", "unknown_kind"),
  ];

  it("lists every other node with an entry side, in canvas order, by kind, caption and id", () => {
    expect(targetChoices("ask", nodes, types)).toEqual([
      { id: "thanks", label: "Message: Great! (thanks)" },
      { id: "done", label: "Exit: Accepted (done)" },
      { id: "legacy", label: "unknown_kind (legacy)" },
    ]);
  });

  it("never offers the node itself nor an entry element", () => {
    const ids = targetChoices("thanks", nodes, types).map((choice) => choice.id);
    expect(ids).not.toContain("thanks");
    expect(ids).not.toContain("audience");
    expect(ids).toContain("ask");
  });
});

describe("exitConnections", () => {
  const exits = [
    { name: "yes", label: "Yes" },
    { name: "no", label: "No" },
  ];

  it("pairs each exit with the edge leaving it, and null for an exit leading nowhere", () => {
    const edges = [exitEdge("ask", "yes", "thanks"), exitEdge("other", "no", "done")];
    expect(exitConnections("ask", exits, edges)).toEqual([
      { exit: exits[0], target: "thanks", edgeId: exitEdge("ask", "yes", "thanks").id },
      { exit: exits[1], target: null, edgeId: null },
    ]);
  });

  it("ignores edges without an exit handle", () => {
    const edges = [{ id: "loose", source: "ask", sourceHandle: null, target: "thanks" }];
    expect(exitConnections("ask", exits, edges).map((row) => row.target)).toEqual([null, null]);
  });
});
