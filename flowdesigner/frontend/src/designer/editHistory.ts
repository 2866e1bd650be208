import type { Edge } from "@xyflow/react";
import type { FlowSettings } from "./flowSettings";
import type { ElementNode } from "./types";

/** What the designer edits: the canvas and the flow-wide settings beside it. */
export interface EditorState {
  nodes: ElementNode[];
  edges: Edge[];
  settings: FlowSettings;
}

/**
 * The editor's state with its undo history. `edits` counts content changes (undo and redo included):
 * the saver compares it with the count it last saved instead of serialising the flow on every change.
 */
export interface History {
  present: EditorState;
  past: EditorState[];
  future: EditorState[];
  edits: number;
  /** The group the last content change belonged to, and when: changes of one group within
   * GROUP_WINDOW_MS are one undo step (the keystrokes of one text, the frames of one drag). */
  group: string | null;
  groupAt: number;
}

export type HistoryAction =
  /** A content change: it counts as an edit and can be undone. */
  | { kind: "edit"; apply(state: EditorState): EditorState; group?: string; at: number; endsGroup?: boolean }
  /** A change that is not an edit (selection, measured sizes): no edit count, no undo step. */
  | { kind: "view"; apply(state: EditorState): EditorState }
  | { kind: "undo" }
  | { kind: "redo" };

/** How many undo steps are kept. */
export const HISTORY_LIMIT = 200;
export const GROUP_WINDOW_MS = 1000;

export function initialHistory(present: EditorState): History {
  return { present, past: [], future: [], edits: 0, group: null, groupAt: 0 };
}

/** The pure reducer behind useFlowGraph (React may call it twice: it must not mutate anything). */
export function historyReducer(history: History, action: HistoryAction): History {
  switch (action.kind) {
    case "view": {
      const present = action.apply(history.present);
      return present === history.present ? history : { ...history, present };
    }
    case "edit": {
      const present = action.apply(history.present);
      if (present === history.present) {
        return history;
      }
      const grouped =
        action.group !== undefined && action.group === history.group && action.at - history.groupAt < GROUP_WINDOW_MS;
      const past = grouped ? history.past : [...history.past, history.present].slice(-HISTORY_LIMIT);
      return {
        present,
        past,
        future: [],
        edits: history.edits + 1,
        group: action.endsGroup ? null : (action.group ?? null),
        groupAt: action.at,
      };
    }
    case "undo": {
      const previous = history.past.at(-1);
      if (!previous) {
        return history;
      }
      return {
        present: keepSelection(previous, history.present),
        past: history.past.slice(0, -1),
        future: [history.present, ...history.future],
        edits: history.edits + 1,
        group: null,
        groupAt: 0,
      };
    }
    case "redo": {
      const [next, ...future] = history.future;
      if (!next) {
        return history;
      }
      return {
        present: keepSelection(next, history.present),
        past: [...history.past, history.present],
        future,
        edits: history.edits + 1,
        group: null,
        groupAt: 0,
      };
    }
  }
}

/**
 * The restored state with the nodes' selection and measured sizes as they are now where the node still
 * exists: undo brings content back, not an old selection (which would also reopen an old side panel).
 * Nodes that come back (an undone delete) come back selected, so the user sees what returned.
 */
function keepSelection(restored: EditorState, current: EditorState): EditorState {
  const now = new Map(current.nodes.map((node) => [node.id, node]));
  const nodes = restored.nodes.map((node) => {
    const live = now.get(node.id);
    const selected = live ? Boolean(live.selected) : true;
    const measured = live?.measured ?? node.measured;
    return Boolean(node.selected) === selected && node.measured === measured ? node : { ...node, selected, measured };
  });
  return { ...restored, nodes };
}
