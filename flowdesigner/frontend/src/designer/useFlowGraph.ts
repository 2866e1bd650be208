import {
  applyEdgeChanges,
  applyNodeChanges,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import { useCallback, useState } from "react";
import { exitsOf } from "./elements";
import type { ExitRenames } from "./elements/types";
import { connectExit, freePosition, syncExitEdges } from "./graph";
import type { ElementNode, Graph, JsonObject } from "./types";

/** The canvas state (the source of truth while editing) and the operations on it. */
export function useFlowGraph(initial: Graph) {
  const [nodes, setNodes] = useState<ElementNode[]>(initial.nodes);
  const [edges, setEdges] = useState<Edge[]>(initial.edges);

  const onNodesChange = useCallback(
    (changes: NodeChange<ElementNode>[]) => setNodes((current) => applyNodeChanges(changes, current)),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => setEdges((current) => applyEdgeChanges(changes, current)),
    [],
  );
  const onConnect = useCallback((connection: Connection) => setEdges((current) => connectExit(current, connection)), []);

  /** Adds a node as the only selected one, so the side panel opens on it. */
  const addNode = useCallback((node: ElementNode) => {
    setNodes((current) => [
      ...current.map((other) => (other.selected ? { ...other, selected: false } : other)),
      { ...node, position: freePosition(current, node.position), selected: true },
    ]);
  }, []);

  const updateConfig = useCallback((node: ElementNode, config: JsonObject, renamedExits?: ExitRenames) => {
    const exitNames = exitsOf({ ...node.data, config }).map((exit) => exit.name);
    setNodes((current) =>
      current.map((other) => (other.id === node.id ? { ...other, data: { ...other.data, config } } : other)),
    );
    setEdges((current) => syncExitEdges(current, node.id, exitNames, renamedExits));
  }, []);

  /** Adds nodes and edges as they are (Validate's Exits), leaving the selection alone. */
  const addElements = useCallback((newNodes: readonly ElementNode[], newEdges: readonly Edge[]) => {
    setNodes((current) => [...current, ...newNodes]);
    setEdges((current) => [...current, ...newEdges]);
  }, []);

  /** Removes the nodes and edges with these ids, and any edge left touching a removed node. */
  const removeElements = useCallback((nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>) => {
    setNodes((current) => current.filter((node) => !nodeIds.has(node.id)));
    setEdges((current) =>
      current.filter((edge) => !edgeIds.has(edge.id) && !nodeIds.has(edge.source) && !nodeIds.has(edge.target)),
    );
  }, []);

  return { nodes, edges, onNodesChange, onEdgesChange, onConnect, addNode, updateConfig, addElements, removeElements };
}
