import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
  type NodeTypes,
} from "@xyflow/react";
import { useState, type DragEvent } from "react";
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
}

export function Canvas({ onDropType, initialViewport, onViewportChange, ...graph }: CanvasProps) {
  const { screenToFlowPosition } = useReactFlow();
  // Fit only a flow that opens with elements and no saved viewport. React Flow fits once the
  // first nodes are measured, so on an empty canvas it would jump away from the first drop.
  const [fitOnLoad] = useState(() => !initialViewport && graph.nodes.length > 0);

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
      deleteKeyCode={deleteKeys}
      defaultEdgeOptions={defaultEdgeOptions}
      defaultViewport={initialViewport}
      fitView={fitOnLoad}
      fitViewOptions={{ maxZoom: 1 }}
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
