import { describe, expect, it } from "vitest";
import { IssueStore } from "./issueStore";

const issue = (node_id: string | null, message: string) => ({ code: "x", field: null, message, node_id });

describe("the issue store", () => {
  it("tells only the nodes whose issues changed, keeping the others' arrays", () => {
    const store = new IssueStore();
    store.set([issue("a", "one"), issue("b", "two"), issue(null, "flow")]);
    const told: string[] = [];
    store.subscribe("a", () => told.push("a"));
    store.subscribe("b", () => told.push("b"));
    store.subscribe("c", () => told.push("c"));
    const before = store.get("a");
    store.set([issue("a", "one"), issue("c", "three")]);
    expect(told.sort()).toEqual(["b", "c"]);
    expect(store.get("a")).toBe(before);
    expect(store.get("b")).toEqual([]);
    expect(store.get("c").map((i) => i.message)).toEqual(["three"]);
  });
});
