import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useNodesInitialized,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type NodeTypes,
} from "@xyflow/react";
import { useEffect, useRef, type DragEvent } from "react";
import type { ElementNode, Viewport, XY } from "../types";
import { ElementNodeView } from "./ElementNodeView";
import { PALETTE_DRAG_TYPE } from "./Palette";

const nodeTypes: NodeTypes = { element: ElementNodeView };
const deleteKeys = ["Delete", "Backspace"];
const defaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed } };

/** Only an exit (a named source handle) can start an edge. */
const isValidConnection = (connection: Edge | Connection) => Boolean(connection.sourceHandle);

interface CanvasProps {
  nodes: ElementNode[];
  edges: Edge[];
  onNodesChange(changes: NodeChange<ElementNode>[]): void;
  onEdgesChange(changes: EdgeChange[]): void;
  onConnect(connection: Connection): void;
  /** An element type dropped from the palette, at a point in flow coordinates. */
  onDropType(type: string, point: XY): void;
  initialViewport: Viewport | undefined;
  onViewportChange(viewport: Viewport): void;
  /** Whether Delete/Backspace remove the selection (off while the editor is hidden). */
  keyboard?: boolean;
}

export function Canvas({ onDropType, initialViewport, onViewportChange, keyboard = true, ...graph }: CanvasProps) {
  const { screenToFlowPosition, fitView } = useReactFlow();
  // Fit the whole flow once, when a flow without a saved viewport opens and its elements have
  // been measured. Never again: on an empty canvas it would jump away from the first drop.
  const nodesInitialized = useNodesInitialized();
  const fitted = useRef(Boolean(initialViewport) || graph.nodes.length === 0);
  useEffect(() => {
    if (nodesInitialized && !fitted.current) {
      fitted.current = true;
      void fitView({ maxZoom: 1, padding: 0.1 });
    }
  }, [nodesInitialized, fitView]);

  function onDragOver(event: DragEvent) {
    if (event.dataTransfer.types.includes(PALETTE_DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
    }
  }

  function onDrop(event: DragEvent) {
    const type = event.dataTransfer.getData(PALETTE_DRAG_TYPE);
    if (type) {
      event.preventDefault();
      onDropType(type, screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    }
  }

  return (
    <ReactFlow<ElementNode>
      data-testid="canvas"
      {...graph}
      nodeTypes={nodeTypes}
      isValidConnection={isValidConnection}
      deleteKeyCode={keyboard ? deleteKeys : null}
      defaultEdgeOptions={defaultEdgeOptions}
      defaultViewport={initialViewport}
      minZoom={0.2}
      onMoveEnd={(_event, viewport) => onViewportChange(viewport)}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <Background />
      <Controls />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
}
