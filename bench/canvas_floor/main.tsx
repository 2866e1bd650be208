/**
 * The floor of bench/canvas.py: the same flow drawn by a bare React Flow page, the least any React Flow
 * designer must pay. Plain default nodes (the Message's text as label) and one edge per connection, at
 * the saved positions and viewport; a text input edits the selected node's label (the keystroke floor);
 * Save does JSON.stringify of the flow document with the new positions and text and a fetch PUT of it to
 * the bench's loopback server (the save floor). Same test ids as the designer: canvas, save, status,
 * field-text. The flow document comes from the JSON file named by ?flow=; ?visible=1 renders only the
 * visible elements (React Flow's onlyRenderVisibleElements), as its performance guidance advises.
 */
import "@xyflow/react/dist/style.css";
import {
  applyEdgeChanges,
  applyNodeChanges,
  ReactFlow,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { StrictMode, useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";

interface DocNode {
  id: string;
  type: string;
  config: { text?: string; [key: string]: unknown };
  exits: Record<string, string>;
}

interface FlowDoc {
  nodes: DocNode[];
  ui?: { nodes?: Record<string, { x: number; y: number }>; viewport?: { x: number; y: number; zoom: number } };
  [key: string]: unknown;
}

type LabelNode = Node<{ label: string }>;

function toGraph(doc: FlowDoc): { nodes: LabelNode[]; edges: Edge[] } {
  const positions = doc.ui?.nodes ?? {};
  const nodes = doc.nodes.map((node) => ({
    id: node.id,
    position: positions[node.id] ?? { x: 0, y: 0 },
    data: { label: node.config.text ?? node.id },
  }));
  const edges = doc.nodes.flatMap((node) =>
    Object.entries(node.exits).map(([exit, target]) => ({
      id: `${node.id}-${exit}`,
      source: node.id,
      target,
    })),
  );
  return { nodes, edges };
}

/** The document to save: the loaded one with the canvas's positions and texts. */
function toDoc(base: FlowDoc, nodes: LabelNode[]): FlowDoc {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  return {
    ...base,
    nodes: base.nodes.map((node) => ({
      ...node,
      config: { ...node.config, text: byId.get(node.id)?.data.label ?? node.config.text },
    })),
    ui: { ...base.ui, nodes: Object.fromEntries(nodes.map((node) => [node.id, node.position])) },
  };
}

function Floor({ doc, visibleOnly }: { doc: FlowDoc; visibleOnly: boolean }) {
  const [nodes, setNodes] = useState<LabelNode[]>(() => toGraph(doc).nodes);
  const [edges, setEdges] = useState<Edge[]>(() => toGraph(doc).edges);
  const [selected, setSelected] = useState<string | null>(null);
  const [status, setStatus] = useState("Saved");

  const onNodesChange = useCallback((changes: NodeChange<LabelNode>[]) => {
    setNodes((current) => applyNodeChanges(changes, current));
    if (changes.some((change) => change.type === "position" && !change.dragging)) {
      setStatus("Unsaved changes");
    }
  }, []);
  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => setEdges((current) => applyEdgeChanges(changes, current)),
    [],
  );
  const onNodeClick = useCallback((_event: unknown, node: LabelNode) => setSelected(node.id), []);

  function setLabel(label: string) {
    setNodes((current) => current.map((node) => (node.id === selected ? { ...node, data: { label } } : node)));
    setStatus("Unsaved changes");
  }

  async function save() {
    setStatus("Saving…");
    const response = await fetch("./save", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(toDoc(doc, nodes)),
    });
    setStatus(response.ok ? "Saved" : `Error ${response.status}`);
  }

  const label = nodes.find((node) => node.id === selected)?.data.label;
  return (
    <div style={{ display: "flex", height: "100vh" }}>
      <div style={{ flex: 1 }}>
        <ReactFlow
          data-testid="canvas"
          nodes={nodes}
          edges={edges}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onNodeClick={onNodeClick}
          defaultViewport={doc.ui?.viewport}
          minZoom={0.2}
          onlyRenderVisibleElements={visibleOnly}
        />
      </div>
      <aside style={{ width: 320, padding: 8 }}>
        <button type="button" data-testid="save" onClick={() => void save()}>
          Save
        </button>
        <span data-testid="status" role="status">
          {status}
        </span>
        {label !== undefined && (
          <textarea data-testid="field-text" value={label} onChange={(event) => setLabel(event.target.value)} />
        )}
      </aside>
    </div>
  );
}

/** The page's query: ?flow=<file> (the flow document), ?visible=1 (render only the visible elements). */
const PARAMS = new URLSearchParams(window.location.search);

function FloorPage() {
  const [doc, setDoc] = useState<FlowDoc | null>(null);
  useEffect(() => {
    void fetch(`./${PARAMS.get("flow") ?? "flow.json"}`)
      .then((response) => response.json() as Promise<FlowDoc>)
      .then(setDoc);
  }, []);
  return doc ? <Floor doc={doc} visibleOnly={PARAMS.get("visible") === "1"} /> : <p>Loading…</p>;
}

const root = document.getElementById("floor-root");
if (!root) {
  throw new Error("#floor-root is missing");
}
createRoot(root).render(
  <StrictMode>
    <FloorPage />
  </StrictMode>,
);
