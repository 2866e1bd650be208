import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import {
  newRandomBranch,
  randomSplitSummary,
  readRandomBranches,
  sharesProblem,
  splitEvenly,
  totalPercent,
} from "./config";

const branches = (...shares: Array<[string, number]>) => shares.map(([name, percent]) => ({ id: name.toLowerCase(), name, percent }));

describe("random split", () => {
  it("starts as A and B, half each", () => {
    const config = initialConfig(elementModule("random_split")!, {});
    expect(randomSplitSummary(readRandomBranches(config))).toBe("A 50 % · B 50 %");
  });

  it("has one exit per branch, labelled with its name (or id while unnamed), each id once", () => {
    const config = {
      branches: [
        { id: "a", name: "Short text", percent: 50 },
        { id: "b", name: " ", percent: 25 },
        { id: "a", name: "Again", percent: 25 },
      ],
    };
    expect(exitsOf({ type: "random_split", config, storedExits: [] })).toEqual([
      { name: "a", label: "Short text" },
      { name: "b", label: "b" },
    ]);
  });

  it("totals the shares and warns unless they make 100 %", () => {
    expect(totalPercent(branches(["A", 33.3], ["B", 33.3], ["C", 33.4]))).toBe(100);
    expect(sharesProblem(branches(["A", 33.3], ["B", 33.3], ["C", 33.4]))).toBeNull();
    expect(sharesProblem(branches(["A", 60], ["B", 30]))).toBe("The shares add up to 90 %, not 100 %.");
    expect(sharesProblem(branches(["A", 100]))).toBe("Add at least two branches.");
  });

  it("adds a branch with the next letter and what is left of 100 %", () => {
    expect(newRandomBranch(branches(["A", 40], ["B", 30]))).toEqual({ id: "c", name: "C", percent: 30 });
    expect(newRandomBranch(branches(["A", 50], ["B", 50])).percent).toBe(0);
  });

  it("splits evenly in whole percents, the first branches taking the rest", () => {
    expect(splitEvenly(branches(["A", 10], ["B", 10], ["C", 10])).map((branch) => branch.percent)).toEqual([34, 33, 33]);
  });

  it("reads a malformed config without failing", () => {
    expect(readRandomBranches({ branches: [{ id: "a", percent: "x" }, { name: "no id" }, 3] })).toEqual([
      { id: "a", name: "", percent: 0 },
    ]);
  });
});
