import { describe, expect, it } from "vitest";
import { docToGraph } from "./convert";
import { exitEdgeId } from "./graph";
import {
  countsEqual,
  exitCount,
  formatCount,
  formatExact,
  nodeCounts,
  pathHighlight,
  readResultsLocation,
  writeResultsLocation,
  ZERO_COUNTS,
  type PathEntry,
} from "./results";
import type { NodeReport } from "../shared/report";
import type { FlowDoc } from "./types";

const definition: FlowDoc = {
  spec_version: 1,
  nodes: [
    { id: "audience", type: "predefined_audience", config: { tags: [1] }, exits: { next: "ask" } },
    {
      id: "ask",
      type: "message",
      config: { text: "Join?", buttons: [{ id: "yes", caption: "Yes" }, { id: "no", caption: "No" }] },
      exits: { yes: "done", no: "ask_again", no_answer: null },
    },
    {
      id: "ask_again",
      type: "message",
      config: { text: "Sure?", buttons: [{ id: "yes", caption: "Yes" }] },
      exits: { yes: "ask" },
    },
    { id: "done", type: "exit", config: { name: "Joined" }, exits: {} },
  ],
};

const report: Record<string, NodeReport> = {
  audience: { entered: 2, waiting: 0, timed_out: 0, failed: 0, exits: { next: 2 } },
  ask: { entered: 3, waiting: 1, timed_out: 0, failed: 0, exits: { yes: 1, no: 1 } },
  ask_again: { entered: 1, exits: { yes: 1 } },
  done: { entered: 1, exits: { "": 1 } },
};

describe("nodeCounts", () => {
  it("reads every number, missing ones as 0, and the Exit element's '' exit as completed", () => {
    expect(nodeCounts(report.done)).toEqual({
      entered: 1,
      waiting: 0,
      timedOut: 0,
      failed: 0,
      completed: 1,
      exits: {},
    });
    expect(nodeCounts({ entered: 5, timed_out: 2, failed: 1 })).toEqual({
      entered: 5,
      waiting: 0,
      timedOut: 2,
      failed: 1,
      completed: 0,
      exits: {},
    });
  });

  it("is zero for an element nobody reached (absent from the report)", () => {
    expect(nodeCounts(undefined)).toBe(ZERO_COUNTS);
  });

  it("ignores values that are not numbers rather than showing NaN", () => {
    const odd = { entered: "7", exits: { yes: null } } as unknown as NodeReport;
    expect(nodeCounts(odd)).toMatchObject({ entered: 0, exits: { yes: 0 } });
  });
});

describe("countsEqual", () => {
  it("compares every number and every exit", () => {
    const a = nodeCounts(report.ask);
    expect(countsEqual(a, nodeCounts({ ...report.ask }))).toBe(true);
    expect(countsEqual(a, nodeCounts({ ...report.ask, waiting: 2 }))).toBe(false);
    expect(countsEqual(a, nodeCounts({ ...report.ask, exits: { yes: 1, no: 2 } }))).toBe(false);
    expect(countsEqual(a, nodeCounts({ ...report.ask, exits: { yes: 1, no: 1, no_answer: 0 } }))).toBe(false);
    expect(countsEqual(a, nodeCounts({ ...report.ask, exits: { yes: 1, other: 1 } }))).toBe(false);
  });
});

describe("connection labels", () => {
  // The canvas draws docToGraph's edges; each label is its exit's passes from the source's counts.
  const labels = Object.fromEntries(
    docToGraph(definition).edges.map((edge) => [
      edge.id,
      formatCount(exitCount(nodeCounts(report[edge.source]), edge.sourceHandle ?? "")),
    ]),
  );

  it("labels every drawn connection with the passes of its exit", () => {
    expect(labels).toEqual({
      [exitEdgeId("audience", "next")]: "2",
      [exitEdgeId("ask", "yes")]: "1",
      [exitEdgeId("ask", "no")]: "1",
      [exitEdgeId("ask_again", "yes")]: "1",
    });
  });

  it("shows 0 on a connection nobody took, and '' is the completions", () => {
    expect(exitCount(nodeCounts({ exits: { yes: 4 } }), "no")).toBe(0);
    expect(exitCount(nodeCounts(report.done), "")).toBe(1);
  });
});

describe("formatCount", () => {
  it("is exact with digit groups below 10 000", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(9999)).toBe("9\u202f999");
  });

  it("shortens thousands and millions", () => {
    expect(formatCount(10_000)).toBe("10k");
    expect(formatCount(12_345)).toBe("12.3k");
    expect(formatCount(123_456)).toBe("123k");
    expect(formatCount(99_950)).toBe("100k");
    expect(formatCount(999_499)).toBe("999k");
    expect(formatCount(999_500)).toBe("1M");
    expect(formatCount(1_250_000)).toBe("1.3M");
    expect(formatCount(35_000_000)).toBe("35M");
  });

  it("writes the exact number with groups for titles and tables", () => {
    expect(formatExact(1_234_567)).toBe("1\u202f234\u202f567");
    expect(formatExact(-1234)).toBe("-1\u202f234");
  });
});

describe("pathHighlight", () => {
  const path: PathEntry[] = [
    // Out of order on purpose: the step numbers follow seq.
    { seq: 2, node_id: "ask_again", exit: "yes", left_at: "t3" },
    { seq: 0, node_id: "audience", exit: "next", left_at: "t1" },
    { seq: 1, node_id: "ask", exit: "no", left_at: "t2" },
    { seq: 3, node_id: "ask", exit: null, left_at: null },
  ];

  it("numbers the elements in order, twice for an element visited twice", () => {
    const { nodeSteps, last } = pathHighlight(path, definition);
    expect(Object.fromEntries(nodeSteps)).toEqual({ audience: [1], ask: [2, 4], ask_again: [3] });
    expect(last).toBe("ask");
  });

  it("marks the connections taken between consecutive elements", () => {
    const { edgeSteps } = pathHighlight(path, definition);
    expect(Object.fromEntries(edgeSteps)).toEqual({
      [exitEdgeId("audience", "next")]: [1],
      [exitEdgeId("ask", "no")]: [2],
      [exitEdgeId("ask_again", "yes")]: [3],
    });
  });

  it("marks no connection the definition does not draw (a jump, or another version's exit)", () => {
    const jump: PathEntry[] = [
      { seq: 0, node_id: "audience", exit: "next" },
      { seq: 1, node_id: "done", exit: "" },
    ];
    const { nodeSteps, edgeSteps } = pathHighlight(jump, definition);
    expect(Object.fromEntries(nodeSteps)).toEqual({ audience: [1], done: [2] });
    expect(edgeSteps.size).toBe(0);
  });

  it("is empty for an empty path", () => {
    const { nodeSteps, edgeSteps, last } = pathHighlight([], definition);
    expect([nodeSteps.size, edgeSteps.size, last]).toEqual([0, 0, null]);
  });
});

describe("results location", () => {
  it("reads results mode, the version and the participant from the query", () => {
    expect(readResultsLocation("?results=1&version=3&participant=12")).toEqual({
      results: true,
      version: 3,
      participant: 12,
    });
    expect(readResultsLocation("?results=1&version=all")).toEqual({ results: true, version: "all", participant: null });
    expect(readResultsLocation("")).toEqual({ results: false, version: null, participant: null });
  });

  it("opens results for a participant alone, and ignores values that are not ids", () => {
    expect(readResultsLocation("?participant=7").results).toBe(true);
    expect(readResultsLocation("?results=1&version=x&participant=-2")).toEqual({
      results: true,
      version: null,
      participant: null,
    });
  });

  it("writes its parameters and keeps the others", () => {
    expect(writeResultsLocation("?a=b&participant=3", { results: true, version: 2, participant: null })).toBe(
      "?a=b&results=1&version=2",
    );
    expect(writeResultsLocation("?results=1&version=2", { results: false, version: 2, participant: 5 })).toBe("");
  });
});
