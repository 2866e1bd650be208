import { describe, expect, it } from "vitest";
import { GROUP_WINDOW_MS, historyReducer, initialHistory, type EditorState, type History } from "./editHistory";
import { readFlowSettings } from "./flowSettings";
import type { ElementNode } from "./types";

const node = (id: string, x = 0): ElementNode => ({
  id,
  type: "element",
  position: { x, y: 0 },
  data: { type: "message", config: { text: id }, extra: {}, storedExits: [] },
});
const start: EditorState = {
  nodes: [node("a")],
  edges: [],
  settings: readFlowSettings({ spec_version: 1, nodes: [] }),
};
const addNode = (id: string) => (state: EditorState) => ({ ...state, nodes: [...state.nodes, node(id)] });
const moveA = (x: number) => (state: EditorState) => ({
  ...state,
  nodes: state.nodes.map((n) => (n.id === "a" ? { ...n, position: { x, y: 0 } } : n)),
});
const ids = (history: History) => history.present.nodes.map((n) => n.id);

describe("the editor's undo history", () => {
  it("undoes and redoes each edit, counting every change as an edit", () => {
    let history = initialHistory(start);
    history = historyReducer(history, { kind: "edit", apply: addNode("b"), at: 0 });
    history = historyReducer(history, { kind: "edit", apply: addNode("c"), at: 5000 });
    expect(ids(history)).toEqual(["a", "b", "c"]);
    history = historyReducer(history, { kind: "undo" });
    expect(ids(history)).toEqual(["a", "b"]);
    history = historyReducer(history, { kind: "undo" });
    expect(ids(history)).toEqual(["a"]);
    expect(historyReducer(history, { kind: "undo" })).toBe(history);
    history = historyReducer(history, { kind: "redo" });
    expect(ids(history)).toEqual(["a", "b"]);
    expect(history.edits).toBe(5);
  });

  it("groups the changes of one drag or one field into one step, but not after a pause", () => {
    let history = initialHistory(start);
    for (const [x, at] of [[10, 0], [20, 100], [30, 200]] as const) {
      history = historyReducer(history, { kind: "edit", apply: moveA(x), group: "move:a", at });
    }
    history = historyReducer(history, { kind: "edit", apply: moveA(40), group: "move:a", at: 300, endsGroup: true });
    expect(history.past).toHaveLength(1);
    // A second drag of the same node is its own step.
    history = historyReducer(history, { kind: "edit", apply: moveA(90), group: "move:a", at: 400 });
    expect(history.past).toHaveLength(2);
    history = historyReducer(history, { kind: "edit", apply: moveA(95), group: "move:a", at: 400 + GROUP_WINDOW_MS });
    expect(history.past).toHaveLength(3);
    history = historyReducer(history, { kind: "undo" });
    history = historyReducer(history, { kind: "undo" });
    history = historyReducer(history, { kind: "undo" });
    expect(history.present.nodes[0]!.position.x).toBe(0);
  });

  it("does not record selection or measuring, and a new edit drops the redo steps", () => {
    let history = initialHistory(start);
    history = historyReducer(history, { kind: "edit", apply: addNode("b"), at: 0 });
    history = historyReducer(history, {
      kind: "view",
      apply: (state) => ({ ...state, nodes: state.nodes.map((n) => ({ ...n, selected: true })) }),
    });
    expect(history.past).toHaveLength(1);
    expect(history.edits).toBe(1);
    history = historyReducer(history, { kind: "undo" });
    expect(history.future).toHaveLength(1);
    history = historyReducer(history, { kind: "edit", apply: addNode("c"), at: 9000 });
    expect(history.future).toHaveLength(0);
    expect(ids(history)).toEqual(["a", "c"]);
  });

  it("brings back an undone delete selected, and keeps the current selection of the others", () => {
    let history = initialHistory({ ...start, nodes: [node("a"), node("b")] });
    history = historyReducer(history, {
      kind: "view",
      apply: (state) => ({ ...state, nodes: state.nodes.map((n) => (n.id === "b" ? { ...n, selected: true } : n)) }),
    });
    history = historyReducer(history, {
      kind: "edit",
      apply: (state) => ({ ...state, nodes: state.nodes.filter((n) => n.id !== "b") }),
      at: 0,
    });
    history = historyReducer(history, {
      kind: "view",
      apply: (state) => ({ ...state, nodes: state.nodes.map((n) => ({ ...n, selected: true })) }),
    });
    history = historyReducer(history, { kind: "undo" });
    expect(history.present.nodes.map((n) => [n.id, n.selected])).toEqual([
      ["a", true],
      ["b", true],
    ]);
  });
});
