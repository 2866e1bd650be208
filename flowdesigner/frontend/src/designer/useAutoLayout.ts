import { getViewportForBounds, useNodesInitialized, useReactFlow, useStoreApi, type NodeChange } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { exitsOf } from "./elements";
import { DEFAULT_NODE_SIZE } from "./graph";
import { layoutPositions, topLeft, type LayoutNode } from "./layout";
import type { ElementNode } from "./types";

/**
 * The "Tidy up" action: lays the canvas out (layout.ts) with the nodes' measured sizes and moves the nodes
 * through `onNodesChange`, as a drag would, so the move is saved (and undoable) like any other. Reads the
 * graph from React Flow when it runs, so the editor need not pass (or re-render for) every change.
 */
export function useAutoLayout(onNodesChange: (changes: NodeChange<ElementNode>[]) => void) {
  const { getNodes, getEdges, getInternalNode, setViewport } = useReactFlow<ElementNode>();
  const store = useStoreApi<ElementNode>();
  const [running, setRunning] = useState(false);

  const layout = useCallback(async () => {
    const nodes = getNodes();
    if (nodes.length === 0) {
      return;
    }
    const boxes = nodes.map((node): LayoutNode => {
      const measured = node.measured ?? getInternalNode(node.id)?.measured;
      return {
        id: node.id,
        width: measured?.width ?? DEFAULT_NODE_SIZE.width,
        height: measured?.height ?? DEFAULT_NODE_SIZE.height,
        exits: exitsOf(node.data).map((exit) => exit.name),
      };
    });
    setRunning(true);
    try {
      const positions = await layoutPositions(boxes, getEdges(), topLeft(nodes.map((node) => node.position)));
      // The page stays live while the layout is computed: move only nodes that are still there and not
      // already in place.
      const changes = getNodes().flatMap((node): NodeChange<ElementNode>[] => {
        const position = positions.get(node.id);
        return position && (position.x !== node.position.x || position.y !== node.position.y)
          ? [{ type: "position", id: node.id, position, dragging: false }]
          : [];
      });
      if (changes.length > 0) {
        onNodesChange(changes);
      }
      // Show the whole new arrangement. Fitted to the computed boxes rather than with fitView, which waits
      // for every node to be measured: a large flow only draws (and measures) what is on screen.
      const xs = boxes.map((box) => (positions.get(box.id)?.x ?? 0) + box.width);
      const ys = boxes.map((box) => (positions.get(box.id)?.y ?? 0) + box.height);
      const start = topLeft([...positions.values()]);
      const bounds = { ...start, width: Math.max(...xs) - start.x, height: Math.max(...ys) - start.y };
      const { width, height, minZoom } = store.getState();
      await setViewport(getViewportForBounds(bounds, width, height, minZoom, 1, 0.1), { duration: 300 });
    } finally {
      setRunning(false);
    }
  }, [getNodes, getEdges, getInternalNode, setViewport, store, onNodesChange]);

  return { layout, running };
}

/** How long to wait for every node to be measured before laying out with default sizes for the rest
 * (a large flow draws only what is on screen, so some nodes are never measured). */
const MEASURE_WAIT_MS = 1500;

/**
 * Lays the flow out once, as soon as its nodes are measured, when `enabled` (a flow opened with no saved
 * positions, see needsLayout). A component of its own so that waiting for the measurement re-renders
 * nothing else.
 */
export function LayoutOnOpen({ enabled, layout }: { enabled: boolean; layout(): Promise<void> }) {
  const initialized = useNodesInitialized();
  const done = useRef(!enabled);
  useEffect(() => {
    if (done.current) {
      return;
    }
    const run = () => {
      if (!done.current) {
        done.current = true;
        void layout();
      }
    };
    if (initialized) {
      run();
      return;
    }
    const timer = window.setTimeout(run, MEASURE_WAIT_MS);
    return () => window.clearTimeout(timer);
  }, [initialized, layout]);
  return null;
}
