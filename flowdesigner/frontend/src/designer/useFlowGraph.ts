import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useMemo, useReducer } from "react";
import { historyReducer, initialHistory, type EditorState, type HistoryAction } from "./editHistory";
import { exitsOf } from "./elements";
import type { ExitRenames } from "./elements/types";
import type { FlowSettings } from "./flowSettings";
import { connectExit, freePosition, syncExitEdges } from "./graph";
import type { ElementNode, Graph, JsonObject, XY } from "./types";

/** Change types that alter the flow; the others (select, dimensions) only alter the view. */
const CONTENT_CHANGES = new Set(["position", "remove", "add", "replace"]);

/**
 * React Flow reports one user action in several calls (a Delete removes nodes, then their edges): calls
 * in the same task share a group so that they are one undo step.
 */
let taskGroup = 0;
let taskGroupScheduled = false;
function currentTask(): number {
  if (!taskGroupScheduled) {
    taskGroupScheduled = true;
    setTimeout(() => {
      taskGroup += 1;
      taskGroupScheduled = false;
    }, 0);
  }
  return taskGroup;
}

function deselected<T extends { selected?: boolean }>(items: readonly T[]): T[] {
  return items.map((item) => (item.selected ? { ...item, selected: false } : item));
}

/**
 * The editor state (the source of truth while editing: nodes, edges and flow settings), its undo history
 * and the operations on it. Every operation that changes the flow is one undo step (keystrokes in one
 * field and the frames of one drag are grouped) and bumps `edits`, which the saver watches.
 */
export function useFlowGraph(initial: Graph, initialSettings: FlowSettings) {
  const [history, dispatch] = useReducer(historyReducer, undefined, () =>
    initialHistory({ nodes: initial.nodes, edges: initial.edges, settings: initialSettings }),
  );
  const edit = useCallback(
    (apply: (state: EditorState) => EditorState, group?: string, endsGroup?: boolean) =>
      dispatch({ kind: "edit", apply, group, endsGroup, at: Date.now() } satisfies HistoryAction),
    [],
  );
  const view = useCallback(
    (apply: (state: EditorState) => EditorState) => dispatch({ kind: "view", apply }),
    [],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<ElementNode>[]) => {
      const apply = (state: EditorState) => ({ ...state, nodes: applyNodeChanges(changes, state.nodes) });
      if (!changes.some((change) => CONTENT_CHANGES.has(change.type))) {
        view(apply);
        return;
      }
      const moves = changes.filter((change) => change.type === "position");
      if (moves.length > 0) {
        const ids = moves.map((change) => change.id).join(",");
        const dragging = moves.some((change) => change.type === "position" && change.dragging);
        edit(apply, `move:${ids}`, !dragging);
        return;
      }
      edit(apply, `task:${currentTask()}`);
    },
    [edit, view],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      const apply = (state: EditorState) => ({ ...state, edges: applyEdgeChanges(changes, state.edges) });
      if (changes.some((change) => CONTENT_CHANGES.has(change.type))) {
        edit(apply, `task:${currentTask()}`);
      } else {
        view(apply);
      }
    },
    [edit, view],
  );
  const onConnect = useCallback(
    (connection: Connection) => edit((state) => ({ ...state, edges: connectExit(state.edges, connection) })),
    [edit],
  );

  /** Adds a node as the only selected one, so the side panel opens on it. */
  const addNode = useCallback(
    (node: ElementNode) =>
      edit((state) => ({
        ...state,
        nodes: [...deselected(state.nodes), { ...node, position: freePosition(state.nodes, node.position), selected: true }],
      })),
    [edit],
  );

  const updateConfig = useCallback(
    (node: ElementNode, config: JsonObject, renamedExits?: ExitRenames) => {
      const exitNames = exitsOf({ ...node.data, config }).map((exit) => exit.name);
      edit(
        (state) => ({
          ...state,
          nodes: state.nodes.map((other) => (other.id === node.id ? { ...other, data: { ...other.data, config } } : other)),
          edges: syncExitEdges(state.edges, node.id, exitNames, renamedExits),
        }),
        `config:${node.id}`,
      );
    },
    [edit],
  );

  /** Adds nodes and edges as they are (Validate's Exits), leaving the selection alone. */
  const addElements = useCallback(
    (newNodes: readonly ElementNode[], newEdges: readonly Edge[]) =>
      edit((state) => ({ ...state, nodes: [...state.nodes, ...newNodes], edges: [...state.edges, ...newEdges] })),
    [edit],
  );

  /** Adds pasted nodes and edges as the selection (what was selected before is deselected). */
  const pasteElements = useCallback(
    (newNodes: readonly ElementNode[], newEdges: readonly Edge[]) =>
      edit((state) => ({
        ...state,
        nodes: [...deselected(state.nodes), ...newNodes.map((node) => ({ ...node, selected: true }))],
        edges: [...deselected(state.edges), ...newEdges],
      })),
    [edit],
  );

  /** Removes the nodes and edges with these ids, and any edge left touching a removed node. */
  const removeElements = useCallback(
    (nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>) =>
      edit((state) => ({
        ...state,
        nodes: state.nodes.filter((node) => !nodeIds.has(node.id)),
        edges: state.edges.filter(
          (edge) => !edgeIds.has(edge.id) && !nodeIds.has(edge.source) && !nodeIds.has(edge.target),
        ),
      })),
    [edit],
  );

  /** Moves nodes to new positions in one undo step (auto-layout). */
  const moveNodes = useCallback(
    (positions: ReadonlyMap<string, XY>) =>
      edit((state) => ({
        ...state,
        nodes: state.nodes.map((node) => {
          const position = positions.get(node.id);
          return position ? { ...node, position } : node;
        }),
      })),
    [edit],
  );

  const setSettings = useCallback(
    (settings: FlowSettings) => edit((state) => ({ ...state, settings }), "settings"),
    [edit],
  );

  /** Selects exactly the nodes `select` picks (all of them for select all); not an edit. */
  const selectNodes = useCallback(
    (select: (node: ElementNode) => boolean) =>
      view((state) => ({
        ...state,
        nodes: state.nodes.map((node) =>
          Boolean(node.selected) === select(node) ? node : { ...node, selected: select(node) },
        ),
        edges: deselected(state.edges),
      })),
    [view],
  );

  const undo = useCallback(() => dispatch({ kind: "undo" }), []);
  const redo = useCallback(() => dispatch({ kind: "redo" }), []);

  const { present, past, future, edits } = history;
  return useMemo(
    () => ({
      nodes: present.nodes,
      edges: present.edges,
      settings: present.settings,
      edits,
      canUndo: past.length > 0,
      canRedo: future.length > 0,
      onNodesChange,
      onEdgesChange,
      onConnect,
      addNode,
      updateConfig,
      addElements,
      pasteElements,
      removeElements,
      moveNodes,
      setSettings,
      selectNodes,
      undo,
      redo,
    }),
    [present, past.length, future.length, edits, onNodesChange, onEdgesChange, onConnect, addNode, updateConfig,
      addElements, pasteElements, removeElements, moveNodes, setSettings, selectNodes, undo, redo],
  );
}

export type FlowGraph = ReturnType<typeof useFlowGraph>;
