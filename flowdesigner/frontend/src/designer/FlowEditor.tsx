import { useReactFlow } from "@xyflow/react";
import { useCallback, useMemo, useRef, useState } from "react";
import type { DesignerApi } from "./api";
import { Canvas } from "./components/Canvas";
import { IssueList } from "./components/IssueList";
import { Palette } from "./components/Palette";
import { SidePanel } from "./components/SidePanel";
import { ConflictBanner, ExportErrors, Toolbar } from "./components/Toolbar";
import { DesignerContext, type DesignerContextValue } from "./context";
import { docToGraph, graphToDoc } from "./convert";
import { elementModule, initialConfig } from "./elements";
import { fetchExport, saveBlob, type ExportRefusal } from "./exportXml";
import { applyFlowSettings, readFlowSettings, type FlowSettings } from "./flowSettings";
import { newNodeId } from "./ids";
import { groupIssues } from "./issues";
import type { ElementNode, ElementTypeInfo, FlowDetail, Viewport, XY } from "./types";
import { useDraftSaver } from "./useDraftSaver";
import { useFlowGraph } from "./useFlowGraph";

/** Where a new node's top-left goes relative to the point it is placed at (half the node's CSS width). */
const NODE_ANCHOR: XY = { x: 110, y: 30 };

interface FlowEditorProps {
  api: DesignerApi;
  flow: FlowDetail;
  elementTypes: ElementTypeInfo[];
  flowsUrl: string;
  onReload(): void;
}

export function FlowEditor({ api, flow, elementTypes, flowsUrl, onReload }: FlowEditorProps) {
  const base = flow.draft.definition;
  const [initialGraph] = useState(() => docToGraph(base));
  const { nodes, edges, onNodesChange, onEdgesChange, onConnect, addNode, updateConfig } = useFlowGraph(initialGraph);
  const { screenToFlowPosition, deleteElements } = useReactFlow<ElementNode>();
  // Variables and the send window: the document's flow-wide keys, edited beside the graph.
  const [flowSettings, setFlowSettings] = useState<FlowSettings>(() => readFlowSettings(base));
  const settledBase = useMemo(() => applyFlowSettings(base, flowSettings), [base, flowSettings]);

  // The viewport rides along with saves but does not make the draft dirty: panning is not an edit.
  const viewportRef = useRef<Viewport | undefined>(base.ui?.viewport);
  const contentKey = useMemo(
    () => JSON.stringify(graphToDoc(settledBase, { nodes, edges })),
    [settledBase, nodes, edges],
  );
  const buildDoc = useCallback(
    () => graphToDoc(settledBase, { nodes, edges }, viewportRef.current),
    [settledBase, nodes, edges],
  );
  const saver = useDraftSaver({
    api,
    flowId: flow.id,
    revision: flow.draft.revision,
    issues: flow.draft.issues,
    contentKey,
    buildDoc,
  });

  const nodeIdsKey = nodes.map((node) => node.id).join("\n");
  const grouped = useMemo(() => groupIssues(saver.issues, new Set(nodeIdsKey.split("\n"))), [saver.issues, nodeIdsKey]);
  const typesByName = useMemo(() => new Map(elementTypes.map((info) => [info.type, info])), [elementTypes]);
  const context = useMemo<DesignerContextValue>(
    () => ({ api, elementTypes: typesByName, issuesByNode: grouped.byNode, variables: flowSettings.variables }),
    [api, typesByName, grouped.byNode, flowSettings.variables],
  );

  function showFlowSettings() {
    onNodesChange(
      nodes.filter((node) => node.selected).map((node) => ({ type: "select", id: node.id, selected: false })),
    );
  }

  function placeNode(type: string, point: XY) {
    const element = elementModule(type);
    const info = typesByName.get(type);
    if (!element || !info) {
      return;
    }
    addNode({
      id: newNodeId(type, new Set(nodes.map((node) => node.id))),
      type: "element",
      position: { x: point.x - NODE_ANCHOR.x, y: point.y - NODE_ANCHOR.y },
      data: { type, config: initialConfig(element, info.defaults), extra: {}, storedExits: [] },
    });
  }

  const [exporting, setExporting] = useState(false);
  const [exportRefusal, setExportRefusal] = useState<ExportRefusal | null>(null);
  async function exportXml() {
    setExporting(true);
    setExportRefusal(null);
    try {
      // The server exports the saved draft: save what is on the canvas first.
      if (!(await saver.flush())) {
        return;
      }
      const result = await fetchExport(api.exportUrl(flow.id), `flow-${flow.id}.xml`);
      if (result.ok) {
        saveBlob(result.blob, result.filename);
      } else {
        setExportRefusal(result.refusal);
      }
    } finally {
      setExporting(false);
    }
  }

  const canvasRef = useRef<HTMLDivElement>(null);
  function placeAtCentre(type: string) {
    const rect = canvasRef.current?.getBoundingClientRect();
    if (rect) {
      placeNode(type, screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }));
    }
  }

  return (
    <DesignerContext value={context}>
      <div className="designer">
        <Toolbar
          flowName={flow.name}
          flowsUrl={flowsUrl}
          saver={saver}
          exporting={exporting}
          onExport={() => void exportXml()}
          onFlowSettings={showFlowSettings}
        />
        {saver.conflict && <ConflictBanner message={saver.conflict} onReload={onReload} />}
        {exportRefusal && <ExportErrors refusal={exportRefusal} onClose={() => setExportRefusal(null)} />}
        <IssueList issues={grouped.flow} testId="flow-issues" showNode />
        <div className="designer-body">
          <Palette elementTypes={elementTypes} onAdd={placeAtCentre} />
          <div className="canvas-area" ref={canvasRef}>
            <Canvas
              nodes={nodes}
              edges={edges}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              onDropType={placeNode}
              initialViewport={base.ui?.viewport}
              onViewportChange={(viewport) => {
                viewportRef.current = viewport;
              }}
            />
          </div>
          <SidePanel
            nodes={nodes}
            onConfigChange={updateConfig}
            onDelete={(node) => void deleteElements({ nodes: [{ id: node.id }] })}
            flowSettings={flowSettings}
            onFlowSettingsChange={setFlowSettings}
          />
        </div>
      </div>
    </DesignerContext>
  );
}
