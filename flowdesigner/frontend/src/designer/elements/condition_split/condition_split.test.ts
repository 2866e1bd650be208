import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import {
  branchWarning,
  conditionSplitSummary,
  describeRules,
  joinRules,
  moveBranch,
  newBranch,
  placeRuleIssue,
  readBranches,
  splitRules,
  withOperator,
  withVariable,
} from "./config";

const vip = { tag: 3, operator: "has" };
const adult = { variable: "age", operator: "gte", value: 18 };

describe("condition split exits", () => {
  it("are the branches in order, labelled with their names, then 'otherwise'", () => {
    const config = {
      branches: [
        { id: "b1", name: "VIP", rules: { op: "and", rules: [vip] } },
        { id: "b2", name: "", rules: { op: "and", rules: [adult] } },
        { id: "b1", name: "Twice", rules: {} },
      ],
    };
    expect(exitsOf({ type: "condition_split", config, storedExits: [] })).toEqual([
      { name: "b1", label: "VIP" },
      { name: "b2", label: "b2" },
      { name: "otherwise", label: "otherwise" },
    ]);
    expect(exitsOf({ type: "condition_split", config: { branches: [] }, storedExits: [] }).map((e) => e.name)).toEqual([
      "otherwise",
    ]);
  });
});

describe("condition split summary", () => {
  it("says what each branch tests", () => {
    const branches = readBranches({
      branches: [
        { id: "b1", name: "VIP", rules: { op: "or", rules: [vip, { op: "and", rules: [vip, adult] }] } },
        { id: "b2", name: "Adults", rules: { op: "and", rules: [adult] } },
        { id: "b3", name: "Tagged", rules: { op: "and", rules: [vip] } },
        { id: "b4", name: "", rules: { op: "and", rules: [] } },
      ],
    });
    expect(conditionSplitSummary(branches)).toEqual([
      "VIP: any of 3 conditions",
      "Adults: age ≥ 18",
      "Tagged: 1 condition",
      "b4: no conditions",
    ]);
    expect(describeRules({ variable: "vip", operator: "is_empty" })).toBe("vip is empty");
    expect(describeRules({ op: "and", rules: [{ variable: "city", operator: "is", value: "Ghent" }] })).toBe("city is Ghent");
  });

  it("starts with one branch without conditions, which it warns hides 'otherwise'", () => {
    const config = initialConfig(elementModule("condition_split")!, {});
    const branches = readBranches(config);
    expect(conditionSplitSummary(branches)).toEqual(["Branch 1: no conditions"]);
    expect(branchWarning(branches, 0)).toBe("No conditions: everyone takes this branch, so “otherwise” is never reached.");
    const two = [...branches, newBranch(branches)];
    expect(branchWarning(two, 0)).toMatch(/every later branch is never reached/);
    expect(branchWarning(readBranches({ branches: [{ id: "b1", name: "x", rules: { op: "and", rules: [vip] } }] }), 0)).toBeNull();
  });
});

describe("condition split branches", () => {
  it("adds a branch with a fresh id and moves branches up and down", () => {
    const branches = readBranches({
      branches: [
        { id: "b1", name: "One", rules: {} },
        { id: "b3", name: "Three", rules: {} },
      ],
    });
    expect(newBranch(branches)).toEqual({ id: "b4", name: "Branch 3", rules: { op: "and", rules: [] } });
    expect(moveBranch(branches, 1, -1).map((b) => b.id)).toEqual(["b3", "b1"]);
    expect(moveBranch(branches, 1, 1).map((b) => b.id)).toEqual(["b1", "b3"]);
  });
});

describe("a branch's rules in the editor", () => {
  it("split into the people rules for the rule builder and the variable conditions, and join back", () => {
    const rules = { op: "or", rules: [adult, vip, { op: "and", rules: [vip] }] };
    const split = splitRules(rules)!;
    expect(split.op).toBe("or");
    expect(split.people).toEqual([vip, { op: "and", rules: [vip] }]);
    expect(split.variables).toEqual([adult]);
    expect(joinRules(split.op, split.people, split.variables)).toEqual({
      op: "or",
      rules: [vip, { op: "and", rules: [vip] }, adult],
    });
  });

  it("read a lone condition as a group of one", () => {
    expect(splitRules(adult)).toMatchObject({ op: "and", people: [], variables: [adult] });
    expect(splitRules(vip)).toMatchObject({ op: "and", people: [vip], variables: [] });
    expect(splitRules({})).toMatchObject({ op: "and", people: [], variables: [] });
  });

  it("need the JSON editor when a variable condition sits inside a group", () => {
    expect(splitRules({ op: "and", rules: [{ op: "or", rules: [vip, adult] }] })).toBeNull();
  });

  it("drop the value of a condition that takes none", () => {
    expect(joinRules("and", [], [{ variable: "city", operator: "is_empty", value: "x" }])).toEqual({
      op: "and",
      rules: [{ variable: "city", operator: "is_empty" }],
    });
  });

  it("place an issue on the builder row or variable condition its path names", () => {
    const split = splitRules({ op: "and", rules: [adult, vip] });
    expect(placeRuleIssue("config.branches[2].rules.rules[1].operator", 2, split)).toEqual({
      kind: "people",
      path: "rules[0].operator",
    });
    expect(placeRuleIssue("config.branches[2].rules.rules[0].value", 2, split)).toEqual({
      kind: "variable",
      index: 0,
      rest: ".value",
    });
    expect(placeRuleIssue("config.branches[1].rules.rules[0].value", 2, split)).toBeNull();
    expect(placeRuleIssue("config.branches[2].name", 2, split)).toBeNull();
  });
});

describe("variable conditions", () => {
  it("keep the operator when the new variable's type allows it, and the value when the type is the same", () => {
    const city = { variable: "city", operator: "is", value: "Ghent" };
    expect(withVariable(city, { name: "town", type: "text" }, "text")).toEqual({ ...city, variable: "town" });
    expect(withVariable(city, { name: "age", type: "number" }, "text")).toEqual({
      variable: "age",
      operator: "is",
      value: "",
    });
    expect(withVariable({ variable: "city", operator: "contains", value: "x" }, { name: "due", type: "datetime" }, "text")).toEqual({
      variable: "due",
      operator: "before",
      value: "",
    });
    expect(withVariable({ variable: "", operator: "" }, { name: "vip", type: "boolean" })).toEqual({
      variable: "vip",
      operator: "is",
      value: true,
    });
    expect(withOperator({ variable: "city", operator: "is", value: "x" }, "is_empty", "text")).toEqual({
      variable: "city",
      operator: "is_empty",
    });
  });
});
