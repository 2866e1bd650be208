import { describe, expect, it } from "vitest";
import { formatPercent, funnel, nextSteps, validPath } from "./funnel";
import { nodeName, shorten } from "./names";
import type { FlowDoc } from "./types";

// audience -> ask (yes -> thanks, no -> declined, maybe -> thanks, later: unwired) ; thanks (ok) -> accepted
const definition: FlowDoc = {
  spec_version: 1,
  nodes: [
    { id: "audience", type: "predefined_audience", config: {}, exits: { next: "ask" } },
    {
      id: "ask",
      type: "message",
      config: { text: "Coming on Friday?" },
      exits: { yes: "thanks", no: "declined", maybe: "thanks", later: null },
    },
    { id: "thanks", type: "message", config: { text: "Great!" }, exits: { ok: "accepted" } },
    { id: "accepted", type: "exit", config: { name: "Accepted" }, exits: {} },
    { id: "declined", type: "exit", config: { name: "Declined" }, exits: {} },
  ],
};

const counts = {
  audience: { entered: 200, exits: { next: 200 } },
  ask: { entered: 200, waiting: 20, exits: { yes: 100, no: 50, maybe: 30 } },
  thanks: { entered: 130, exits: { ok: 90 } },
  accepted: { entered: 90, exits: { "": 90 } },
};

describe("nextSteps", () => {
  it("lists each connected element once, with every exit leading there, skipping unwired exits", () => {
    expect(nextSteps(definition, "ask")).toEqual([
      { target: "thanks", exits: ["yes", "maybe"] },
      { target: "declined", exits: ["no"] },
    ]);
    expect(nextSteps(definition, "accepted")).toEqual([]);
    expect(nextSteps(definition, "gone")).toEqual([]);
  });
});

describe("funnel", () => {
  it("starts with who entered the first element and follows the chosen exits", () => {
    expect(funnel(definition, counts, ["ask", "thanks", "accepted"])).toEqual([
      { nodeId: "ask", count: 200, percent: 100, via: [] },
      { nodeId: "thanks", count: 130, percent: 65, via: ["yes", "maybe"] },
      { nodeId: "accepted", count: 90, percent: 45, via: ["ok"] },
    ]);
  });

  it("counts only the exits to the chosen step, not the element's entries from elsewhere", () => {
    const [, declined] = funnel(definition, counts, ["ask", "declined"]);
    expect(declined).toMatchObject({ nodeId: "declined", count: 50, percent: 25 });
  });

  it("gives zeros for elements nobody reached and no percentage without a first count", () => {
    expect(funnel(definition, {}, ["audience", "ask"])).toEqual([
      { nodeId: "audience", count: 0, percent: null, via: [] },
      { nodeId: "ask", count: 0, percent: null, via: ["next"] },
    ]);
  });

  it("stops where the path leaves the definition (a version without that connection)", () => {
    expect(validPath(definition, ["ask", "accepted"])).toEqual(["ask"]);
    expect(validPath(definition, ["gone", "ask"])).toEqual([]);
    expect(funnel(definition, counts, ["audience", "ask", "accepted", "declined"]).map((s) => s.nodeId)).toEqual([
      "audience",
      "ask",
    ]);
  });
});

describe("formatPercent", () => {
  it.each([
    [100, "100%"],
    [65, "65%"],
    [33.333, "33%"],
    [3.46, "3.5%"],
    [0, "0%"],
    [null, "—"],
  ])("shows %s as %s", (value, text) => {
    expect(formatPercent(value)).toBe(text);
  });
});

describe("names", () => {
  it("uses the name, else the shortened text, else the id", () => {
    expect(nodeName(definition.nodes[3]!)).toBe("Accepted");
    expect(nodeName(definition.nodes[1]!)).toBe("Coming on Friday?");
    expect(nodeName(definition.nodes[0]!)).toBe("audience");
    expect(shorten("a  very\nlong text ".repeat(10), 20)).toBe("a very long text a…");
  });
});
