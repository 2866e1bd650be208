import {
  Background,
  ControlButton,
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
  type EdgeTypes,
  type NodeTypes,
} from "@xyflow/react";
import { useEffect, useRef, useState, type DragEvent, type MouseEvent as ReactMouseEvent } from "react";
import type { ElementNode, Viewport, XY } from "../types";
import { ElementNodeView } from "./ElementNodeView";
import { ExitEdge } from "./ExitEdge";
import { PALETTE_DRAG_TYPE } from "./Palette";

const nodeTypes: NodeTypes = { element: ElementNodeView };
const deleteKeys = ["Delete", "Backspace"];
const edgeTypes: EdgeTypes = { exit: ExitEdge };
// Every connection is drawn as an ExitEdge (labelled with its exit), its arrow as dark as its line.
const defaultEdgeOptions = { type: "exit", markerEnd: { type: MarkerType.ArrowClosed, color: "#4a5568" } };

/**
 * Above this many elements the mini map starts hidden (its button shows it): it draws every element and
 * re-checks each on every change, a third of a keystroke's cost on a 2,000-element flow.
 */
export const MINIMAP_DEFAULT_LIMIT = 500;

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
  /** A right click on the canvas, a node or the selection (after selecting a node clicked outside it). */
  onContextMenu?(event: MouseEvent | ReactMouseEvent): void;
}

export function Canvas({
  onDropType,
  initialViewport,
  onViewportChange,
  keyboard = true,
  onContextMenu,
  ...graph
}: CanvasProps) {
  const { screenToFlowPosition, fitView } = useReactFlow();
  const [showMap, setShowMap] = useState(() => graph.nodes.length <= MINIMAP_DEFAULT_LIMIT);
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

  function onNodeContextMenu(event: ReactMouseEvent, node: ElementNode) {
    if (!node.selected) {
      graph.onNodesChange(
        graph.nodes
          .filter((other) => Boolean(other.selected) !== (other.id === node.id))
          .map((other) => ({ type: "select", id: other.id, selected: other.id === node.id })),
      );
    }
    onContextMenu?.(event);
  }

  return (
    <ReactFlow<ElementNode>
      data-testid="canvas"
      {...graph}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      isValidConnection={isValidConnection}
      deleteKeyCode={keyboard ? deleteKeys : null}
      defaultEdgeOptions={defaultEdgeOptions}
      defaultViewport={initialViewport}
      minZoom={0.2}
      onMoveEnd={(_event, viewport) => onViewportChange(viewport)}
      onDragOver={onDragOver}
      onDrop={onDrop}
      onNodeContextMenu={onNodeContextMenu}
      onPaneContextMenu={onContextMenu}
      onSelectionContextMenu={onContextMenu}
      // Large flows: after React Flow has measured every node once, only what is on screen is drawn.
      onlyRenderVisibleElements
    >
      <Background />
      <Controls>
        <ControlButton
          onClick={() => setShowMap((shown) => !shown)}
          aria-label={showMap ? "Hide the mini map" : "Show the mini map"}
          title={showMap ? "Hide the mini map" : "Show the mini map"}
          aria-pressed={showMap}
          data-testid="toggle-minimap"
        >
          ▦
        </ControlButton>
      </Controls>
      {showMap && <MiniMap pannable zoomable />}
    </ReactFlow>
  );
}
