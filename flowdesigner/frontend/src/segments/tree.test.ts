import { describe, expect, it } from "vitest";
import {
  addCondition,
  addGroup,
  emptyGroup,
  fromDoc,
  fromServerPath,
  nodeAt,
  removeAt,
  rowErrors,
  setCondition,
  toDoc,
  toggleOp,
  toServerPath,
  type UiGroup,
} from "./tree";

const text = (c: { value?: unknown }) => (c.value === undefined ? "" : String(c.value));
const raw = (c: { value: string }) => (c.value === "" ? undefined : c.value);

describe("rule tree edits", () => {
  it("adds conditions and groups at dotted paths, the new group taking the other operator", () => {
    let tree: UiGroup = emptyGroup("and");
    tree = addCondition(tree, "root");
    tree = addGroup(tree, "root");
    tree = addCondition(tree, "root.1");
    expect(nodeAt(tree, "root.1")).toMatchObject({ kind: "group", op: "or" });
    expect((nodeAt(tree, "root.1") as UiGroup).rules).toHaveLength(2);
    expect(nodeAt(tree, "root.1.1")).toMatchObject({ kind: "condition", subject: null });
    expect(nodeAt(tree, "root.5")).toBeUndefined();
  });

  it("changes only the branch it edits and leaves the original untouched", () => {
    const before = addGroup(addCondition(emptyGroup(), "root"), "root");
    const after = setCondition(before, "root.1.0", { value: "x" });
    expect(nodeAt(after, "root.1.0")).toMatchObject({ value: "x" });
    expect(nodeAt(before, "root.1.0")).toMatchObject({ value: "" });
    expect(after.rules[0]).toBe(before.rules[0]);
  });

  it("toggles AND/OR and removes rows and groups, never the root", () => {
    let tree = addGroup(addCondition(emptyGroup(), "root"), "root");
    tree = toggleOp(tree, "root.1");
    expect(nodeAt(tree, "root.1")).toMatchObject({ op: "and" });
    tree = removeAt(tree, "root.0");
    expect(tree.rules).toHaveLength(1);
    expect(nodeAt(tree, "root.0")).toMatchObject({ kind: "group" });
    expect(() => removeAt(tree, "root")).toThrow();
    expect(() => setCondition(tree, "root.4", { value: "x" })).toThrow();
  });

  it("round-trips the server's document", () => {
    const doc = {
      op: "and" as const,
      rules: [
        { attribute: "first_name", operator: "starts_with", value: "a" },
        { op: "or" as const, rules: [{ tag: 3, operator: "has" }, { company: 7, operator: "in" }] },
        { segment: 2, operator: "not_in" },
      ],
    };
    const tree = fromDoc(doc, text);
    expect(nodeAt(tree as UiGroup, "root.1.0")).toMatchObject({ subject: { type: "tag", ref: 3 }, operator: "has" });
    expect(toDoc(tree, raw)).toEqual(doc);
  });
});

describe("server error paths", () => {
  it.each([
    ["rules[1].rules[0].operator", "root.1.0", "operator"],
    ["rules[0].value", "root.0", "value"],
    ["rules[0].value.unit", "root.0", "value"],
    ["rules[1].rules[2].value.amount", "root.1.2", "value"],
    ["rules[2].attribute", "root.2", "subject"],
    ["rules[2].tag", "root.2", "subject"],
    ["rules[3]", "root.3", "row"],
    ["rules[1].op", "root.1", "row"],
    ["op", "root", "row"],
    ["(root)", "root", "row"],
    ["", "root", "row"],
  ])("%s is shown on %s (%s)", (server, path, field) => {
    expect(fromServerPath(server)).toEqual({ path, field });
  });

  it("maps dotted paths back to the server's", () => {
    expect(toServerPath("root.1.0")).toBe("rules[1].rules[0]");
    expect(toServerPath("root")).toBe("");
    expect(fromServerPath(`${toServerPath("root.4.2.1")}.value`)).toEqual({ path: "root.4.2.1", field: "value" });
  });

  it("keeps every message", () => {
    expect(rowErrors([{ path: "rules[0].operator", message: "Nope." }])).toEqual([
      { path: "root.0", field: "operator", message: "Nope." },
    ]);
  });
});
