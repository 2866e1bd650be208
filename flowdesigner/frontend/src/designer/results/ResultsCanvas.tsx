import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  type Edge,
  type EdgeTypes,
  type NodeMouseHandler,
  type NodeTypes,
} from "@xyflow/react";
import { memo, useMemo } from "react";
import { docToGraph } from "../convert";
import type { ElementNode, FlowDoc } from "../types";
import { CountEdge } from "./CountEdge";
import { ResultsNodeView } from "./ResultsNodeView";

const nodeTypes: NodeTypes = { element: ResultsNodeView };
const edgeTypes: EdgeTypes = { count: CountEdge };
const markerEnd = { type: MarkerType.ArrowClosed };
/** Above this many elements only what is in view is rendered (panning a 1,000-element flow stays smooth). */
const VISIBLE_ONLY_FROM = 300;

interface ResultsCanvasProps {
  /** The version's definition; a new object means a new drawing (a version switch), so it is remounted by
   * the parent with a key, never changed under a mounted canvas. */
  definition: FlowDoc;
  onNodeClick(nodeId: string): void;
  onPaneClick(): void;
}

/**
 * The read-only canvas of a published version. React Flow keeps the nodes itself (uncontrolled): counts
 * never touch them, they live in the stores each node reads, so count updates keep the viewport, the
 * selection and every unchanged node as they are.
 */
export const ResultsCanvas = memo(function ResultsCanvas({ definition, onNodeClick, onPaneClick }: ResultsCanvasProps) {
  const graph = useMemo(() => {
    const { nodes, edges } = docToGraph(definition);
    return {
      nodes: nodes.map((node): ElementNode => ({ ...node, draggable: false, connectable: false })),
      edges: edges.map((edge): Edge => ({ ...edge, type: "count", markerEnd, selectable: false, focusable: false })),
    };
  }, [definition]);
  const viewport = definition.ui?.viewport;
  const handleNodeClick: NodeMouseHandler<ElementNode> = (_event, node) => onNodeClick(node.id);

  return (
    <ReactFlow<ElementNode>
      data-testid="results-canvas"
      defaultNodes={graph.nodes}
      defaultEdges={graph.edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      deleteKeyCode={null}
      onNodeClick={handleNodeClick}
      onPaneClick={onPaneClick}
      defaultViewport={viewport}
      fitView={!viewport}
      fitViewOptions={{ maxZoom: 1, padding: 0.1 }}
      minZoom={0.05}
      onlyRenderVisibleElements={graph.nodes.length >= VISIBLE_ONLY_FROM}
    >
      <Background />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
});
