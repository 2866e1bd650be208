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

  return { nodes, edges, onNodesChange, onEdgesChange, onConnect, addNode, updateConfig };
}
