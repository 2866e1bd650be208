import { useReactFlow } from "@xyflow/react";
import { useCallback, useMemo, useRef, useState, type ReactNode } from "react";
import type { DesignerApi } from "./api";
import { NODE_WIDTH } from "./autoExits";
import { Canvas } from "./components/Canvas";
import { IssueList } from "./components/IssueList";
import { Palette } from "./components/Palette";
import { SidePanel } from "./components/SidePanel";
import { ConflictBanner, ExportErrors, Toolbar } from "./components/Toolbar";
import { ValidationPanel } from "./components/ValidationPanel";
import { DesignerContext, type DesignerContextValue } from "./context";
import { docToGraph, graphToDoc } from "./convert";
import { elementModule, initialConfig } from "./elements";
import { fetchExport, saveBlob, type ExportRefusal } from "./exportXml";
import { applyFlowSettings, readFlowSettings, type FlowSettings } from "./flowSettings";
import { newNodeId } from "./ids";
import { groupIssues } from "./issues";
import type { ElementNode, ElementTypeInfo, FlowDetail, Graph, Viewport, XY } from "./types";
import { useDraftSaver } from "./useDraftSaver";
import { useFlowGraph } from "./useFlowGraph";
import { useValidation } from "./useValidation";

/** Where a new node's top-left goes relative to the point it is placed at (half the node's CSS width). */
const NODE_ANCHOR: XY = { x: 110, y: 30 };

interface FlowEditorProps {
  api: DesignerApi;
  flow: FlowDetail;
  elementTypes: ElementTypeInfo[];
  flowsUrl: string;
  onReload(): void;
  /** False while hidden behind the results mode: keys must not edit a canvas nobody sees. */
  active?: boolean;
  modeToggle?: ReactNode;
}

export function FlowEditor({
  api,
  flow,
  elementTypes,
  flowsUrl,
  onReload,
  active = true,
  modeToggle,
}: FlowEditorProps) {
  const base = flow.draft.definition;
  const [initialGraph] = useState(() => docToGraph(base));
  const { nodes, edges, onNodesChange, onEdgesChange, onConnect, addNode, updateConfig, addElements, removeElements } =
    useFlowGraph(initialGraph);
  const { screenToFlowPosition, deleteElements, setCenter, getZoom } = useReactFlow<ElementNode>();
  // Variables and settings (send window, re-entry, priority): the document's flow-wide keys, edited beside
  // the graph.
  const [flowSettings, setFlowSettings] = useState<FlowSettings>(() => readFlowSettings(base));
  const settledBase = useMemo(() => applyFlowSettings(base, flowSettings), [base, flowSettings]);

  // The viewport rides along with saves but does not make the draft dirty: panning is not an edit.
  const viewportRef = useRef<Viewport | undefined>(base.ui?.viewport);
  const keyOf = useCallback((graph: Graph) => JSON.stringify(graphToDoc(settledBase, graph)), [settledBase]);
  const contentKey = useMemo(() => keyOf({ nodes, edges }), [keyOf, nodes, edges]);
  const docOf = useCallback((graph: Graph) => graphToDoc(settledBase, graph, viewportRef.current), [settledBase]);
  const buildDoc = useCallback(() => docOf({ nodes, edges }), [docOf, nodes, edges]);
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
    () => ({
      api,
      flowId: flow.id,
      elementTypes: typesByName,
      issuesByNode: grouped.byNode,
      variables: flowSettings.variables,
    }),
    [api, flow.id, typesByName, grouped.byNode, flowSettings.variables],
  );

  // The Exits Validate places start as a freshly placed Exit does.
  const exitModule = elementModule("exit");
  const exitInfo = typesByName.get("exit");
  const exitConfig = useMemo(
    () => (exitModule && exitInfo ? initialConfig(exitModule, exitInfo.defaults) : null),
    [exitModule, exitInfo],
  );
  const validation = useValidation({
    api,
    nodes,
    edges,
    contentKey,
    docOf,
    keyOf,
    exitConfig,
    addElements,
    removeElements,
    showIssues: saver.showIssues,
  });

  /** Selects the node an issue is about and brings it to the middle of the canvas, at the current zoom. */
  function focusNode(nodeId: string) {
    const target = nodes.find((node) => node.id === nodeId);
    if (!target) {
      return;
    }
    onNodesChange(
      nodes
        .filter((node) => Boolean(node.selected) !== (node.id === nodeId))
        .map((node) => ({ type: "select", id: node.id, selected: node.id === nodeId })),
    );
    const width = target.measured?.width ?? NODE_WIDTH;
    const height = target.measured?.height ?? 0;
    void setCenter(target.position.x + width / 2, target.position.y + height / 2, { zoom: getZoom(), duration: 300 });
  }

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
          validating={validation.running}
          onValidate={() => void validation.validate()}
          modeToggle={modeToggle}
        />
        {saver.conflict && <ConflictBanner message={saver.conflict} onReload={onReload} />}
        {exportRefusal && <ExportErrors refusal={exportRefusal} onClose={() => setExportRefusal(null)} />}
        {validation.open ? (
          <ValidationPanel
            validation={validation}
            issues={saver.issues}
            nodes={nodes}
            elementTypes={typesByName}
            onFocusNode={focusNode}
          />
        ) : (
          <IssueList issues={grouped.flow} testId="flow-issues" showNode />
        )}
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
              keyboard={active}
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
