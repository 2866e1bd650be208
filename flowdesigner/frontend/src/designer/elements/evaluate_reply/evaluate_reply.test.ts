import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import { readCondition } from "../../inbound";
import {
  branchProblem,
  evaluateReplyExits,
  evaluateReplySummary,
  newReplyBranch,
  readEvaluateReply,
  withBranches,
  type ReplyBranch,
} from "./config";

const branch = (id: string, name: string, ...conditions: Record<string, unknown>[]): ReplyBranch => ({
  id,
  name,
  conditions: conditions.map(readCondition),
});

describe("Evaluate inbound reply exits", () => {
  it("are each branch, labelled with its name, then 'other'", () => {
    const config = withBranches({}, [branch("b1", "Yes"), branch("b2", "")]);
    expect(evaluateReplyExits(config)).toEqual([
      { name: "b1", label: "Yes" },
      { name: "b2", label: "b2" },
      { name: "other", label: "other" },
    ]);
  });

  it("get 'no answer' with a reply timeout", () => {
    const config = { branches: [{ id: "b1", name: "Yes" }], timeout: { amount: 2, unit: "hours" } };
    expect(evaluateReplyExits(config).map((exit) => exit.name)).toEqual(["b1", "other", "no_answer"]);
    expect(evaluateReplyExits({ ...config, timeout: null }).map((exit) => exit.name)).toEqual(["b1", "other"]);
  });

  it("are one exit per id, even when an imported branch repeats an id", () => {
    const config = { branches: [{ id: "b1", name: "A" }, { id: "b1", name: "B" }, { id: "other", name: "C" }] };
    expect(evaluateReplyExits(config).map((exit) => exit.name)).toEqual(["b1", "other"]);
  });

  it("of a new node: one branch and 'other'", () => {
    const config = initialConfig(elementModule("evaluate_reply")!, {});
    expect(exitsOf({ type: "evaluate_reply", config, storedExits: [] }).map((exit) => exit.name)).toEqual(["b1", "other"]);
    expect(readEvaluateReply(config)).toEqual({
      channel: "any",
      branches: [branch("b1", "Branch 1", { operator: "matches_text", values: [""] })],
      variable: "",
    });
  });
});

describe("Evaluate inbound reply branches", () => {
  it("get a new id no other branch has, so no two branches share an exit", () => {
    expect(newReplyBranch([]).id).toBe("b1");
    const branches = [branch("b2", "Two"), branch("b3", "Three")];
    const added = newReplyBranch(branches);
    expect(added).toEqual(branch("b4", "Branch 3", { operator: "matches_text", values: [""] }));
    let many: ReplyBranch[] = [];
    for (let n = 0; n < 30; n++) {
      many = [...many, newReplyBranch(many)].filter((_, index) => index % 7 !== 3);
    }
    expect(new Set(many.map((b) => b.id)).size).toBe(many.length);
  });

  it("hint on a missing name, a reserved or repeated id, and no condition", () => {
    const ok = branch("b1", "Yes", { operator: "matches_text", values: ["yes"] });
    expect(branchProblem([ok], 0)).toBeNull();
    expect(branchProblem([{ ...ok, name: " " }], 0)).toMatch(/name/);
    expect(branchProblem([{ ...ok, id: "other" }], 0)).toMatch(/kept for the exit/);
    expect(branchProblem([ok, { ...ok, name: "Again" }], 1)).toMatch(/Another branch/);
    expect(branchProblem([{ ...ok, conditions: [] }], 0)).toMatch(/never taken/);
  });

  it("are stored with only their conditions' keys", () => {
    const stored = withBranches({ channel: "sms" }, [
      branch("b1", "Yes", { operator: "contains_word", values: ["yes"], attribute: "x" }),
    ]);
    expect(stored).toEqual({
      channel: "sms",
      branches: [{ id: "b1", name: "Yes", conditions: [{ operator: "contains_word", values: ["yes"] }] }],
    });
  });

  it("are summed up one line each on the node", () => {
    expect(
      evaluateReplySummary([
        branch("b1", "Yes", { operator: "matches_text", values: ["yes", "y"] }, { operator: "anything" }, { operator: "anything" }),
        branch("b2", "", { operator: "matches_regex", pattern: "^n" }),
        branch("b3", "Empty"),
      ]),
    ).toEqual(['Yes: Matches text: "yes", "y" + 2 more', "b2: Matches RegEx: ^n", "Empty: no condition"]);
  });
});
