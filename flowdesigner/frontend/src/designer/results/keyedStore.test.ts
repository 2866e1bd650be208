import { describe, expect, it } from "vitest";
import { countsEqual, nodeCounts, ZERO_COUNTS, type NodeCounts } from "../results";
import { KeyedStore } from "./keyedStore";

function store() {
  const counts = new KeyedStore<NodeCounts>(ZERO_COUNTS, countsEqual);
  const heard: string[] = [];
  for (const key of ["a", "b", "c"]) {
    counts.subscribe(key, () => heard.push(key));
  }
  return { counts, heard };
}

describe("KeyedStore", () => {
  it("gives the shared empty value for a key it has nothing for", () => {
    expect(store().counts.get("a")).toBe(ZERO_COUNTS);
  });

  it("notifies only the keys whose value changed, and keeps the object of an unchanged one", () => {
    const { counts, heard } = store();
    counts.replace(new Map([["a", nodeCounts({ entered: 1 })], ["b", nodeCounts({ entered: 2 })]]));
    expect(heard).toEqual(["a", "b"]);
    const b = counts.get("b");

    heard.length = 0;
    // A refetch: a's numbers moved, b's did not (a new but equal object), c is still nobody.
    const changed = counts.replace(
      new Map([
        ["a", nodeCounts({ entered: 2, waiting: 1 })],
        ["b", nodeCounts({ entered: 2 })],
        ["c", nodeCounts({})],
      ]),
    );
    expect(changed).toEqual(["a"]);
    expect(heard).toEqual(["a"]);
    expect(counts.get("b")).toBe(b);
    expect(counts.get("c")).toBe(ZERO_COUNTS);
    expect(counts.get("a").waiting).toBe(1);
  });

  it("takes a key absent from the new content back to empty, and tells it", () => {
    const { counts, heard } = store();
    counts.replace(new Map([["a", nodeCounts({ entered: 1 })]]));
    heard.length = 0;
    expect(counts.replace(new Map())).toEqual(["a"]);
    expect(heard).toEqual(["a"]);
    expect(counts.get("a")).toBe(ZERO_COUNTS);
  });

  it("stops telling a listener once it unsubscribed", () => {
    const counts = new KeyedStore<number>(0);
    const heard: number[] = [];
    const stop = counts.subscribe("x", () => heard.push(counts.get("x")));
    counts.replace(new Map([["x", 1]]));
    stop();
    counts.replace(new Map([["x", 2]]));
    expect(heard).toEqual([1]);
  });
});
