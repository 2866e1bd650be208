import { useReactFlow } from "@xyflow/react";
import {
  useCallback,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type MouseEvent as ReactMouseEvent,
  type ReactNode,
} from "react";
import type { DesignerApi } from "./api";
import { NODE_WIDTH } from "./autoExits";
import { Canvas } from "./components/Canvas";
import { ContextMenu, type MenuPlace } from "./components/ContextMenu";
import { IssueList } from "./components/IssueList";
import { Palette } from "./components/Palette";
import { SidePanel } from "./components/SidePanel";
import { ConflictBanner, ExportErrors, Toolbar } from "./components/Toolbar";
import { ValidationPanel } from "./components/ValidationPanel";
import { DesignerContext, type DesignerContextValue } from "./context";
import { docToGraph, graphToDoc } from "./convert";
import { elementModule, initialConfig } from "./elements";
import { fetchExport, saveBlob, type ExportRefusal } from "./exportXml";
import { applyFlowSettings, readFlowSettings } from "./flowSettings";
import { newNodeId } from "./ids";
import { IssueStore } from "./issueStore";
import { HistoryPanel } from "./history/HistoryPanel";
import { Simulator } from "./simulator/Simulator";
import { groupIssues } from "./issues";
import type { ElementNode, ElementTypeInfo, FlowDetail, Graph, Viewport, XY } from "./types";
import { needsLayout } from "./layout";
import { useDraftSaver } from "./useDraftSaver";
import { LayoutOnOpen, useAutoLayout } from "./useAutoLayout";
import { useEditCommands } from "./useEditCommands";
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
  // The document is converted once, on open; from then on the editor state is the source of truth and
  // the document is built only when it is saved or checked, never per change.
  const [initial] = useState(() => ({ graph: docToGraph(base), settings: readFlowSettings(base) }));
  const graph = useFlowGraph(initial.graph, initial.settings);
  const { nodes, edges, settings: flowSettings, edits, onNodesChange, onEdgesChange, onConnect, addNode } = graph;
  const { updateConfig, addElements, removeElements, setSettings: setFlowSettings } = graph;
  const { screenToFlowPosition, setCenter, getZoom } = useReactFlow<ElementNode>();
  // "Tidy up", and once on open for a flow none of whose elements was ever placed (an import, the API).
  const autoLayout = useAutoLayout(onNodesChange);
  const [layoutOnOpen] = useState(() => needsLayout(base));
  // Variables and settings (send window, re-entry, priority): the document's flow-wide keys, edited beside
  // the graph (and undone with it).
  const settledBase = useMemo(() => applyFlowSettings(base, flowSettings), [base, flowSettings]);

  // The viewport rides along with saves but does not make the draft dirty: panning is not an edit.
  const viewportRef = useRef<Viewport | undefined>(base.ui?.viewport);
  const docOf = useCallback((current: Graph) => graphToDoc(settledBase, current, viewportRef.current), [settledBase]);
  const buildDoc = useCallback(() => docOf({ nodes, edges }), [docOf, nodes, edges]);
  const saver = useDraftSaver({
    api,
    flowId: flow.id,
    revision: flow.draft.revision,
    issues: flow.draft.issues,
    edits,
    buildDoc,
  });

  // Nodes read their own issues from this store: a save re-renders only the nodes whose issues changed.
  const [issueStore] = useState(() => {
    const store = new IssueStore();
    store.set(flow.draft.issues);
    return store;
  });
  useLayoutEffect(() => issueStore.set(saver.issues), [issueStore, saver.issues]);
  const nodeIdsKey = nodes.map((node) => node.id).join("\n");
  const flowIssues = useMemo(
    () => groupIssues(saver.issues, new Set(nodeIdsKey.split("\n"))).flow,
    [saver.issues, nodeIdsKey],
  );
  const typesByName = useMemo(() => new Map(elementTypes.map((info) => [info.type, info])), [elementTypes]);
  const context = useMemo<DesignerContextValue>(
    () => ({
      api,
      flowId: flow.id,
      elementTypes: typesByName,
      issues: issueStore,
      variables: flowSettings.variables,
    }),
    [api, flow.id, typesByName, issueStore, flowSettings.variables],
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
    edits,
    docOf,
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
    graph.selectNodes(() => false);
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

  // The history panel covers the editor: while it is open the editor's keys must not edit the hidden canvas.
  const [historyOpen, setHistoryOpen] = useState(false);
  const closeHistory = useCallback(() => setHistoryOpen(false), []);
  // "Try it": the simulator panel beside the canvas (it saves the canvas before each simulated step).
  const [simulating, setSimulating] = useState(false);
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
  /** The middle of the visible canvas, in flow coordinates. */
  function canvasCentre(): XY | null {
    const rect = canvasRef.current?.getBoundingClientRect();
    return rect ? screenToFlowPosition({ x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 }) : null;
  }
  function placeAtCentre(type: string) {
    const centre = canvasCentre();
    if (centre) {
      placeNode(type, centre);
    }
  }

  const commands = useEditCommands(graph, canvasCentre, active && !historyOpen);
  const [menu, setMenu] = useState<MenuPlace | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);
  const openMenu = useCallback((event: MouseEvent | ReactMouseEvent) => {
    event.preventDefault();
    setMenu({ x: event.clientX, y: event.clientY });
  }, []);
  const hasSelection = nodes.some((node) => node.selected) || edges.some((edge) => edge.selected);

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
          onAutoLayout={() => void autoLayout.layout()}
          laying={autoLayout.running}
          history={{ canUndo: graph.canUndo, canRedo: graph.canRedo, undo: graph.undo, redo: graph.redo }}
          modeToggle={modeToggle}
          onShowHistory={() => setHistoryOpen(true)}
          onTry={() => setSimulating(true)}
        />
        {historyOpen && (
          <HistoryPanel
            flowId={flow.id}
            elementTypes={typesByName}
            currentDraft={buildDoc}
            beforeRestore={saver.flush}
            onRestored={onReload}
            onClose={closeHistory}
          />
        )}
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
          <IssueList issues={flowIssues} testId="flow-issues" showNode />
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
              keyboard={active && !historyOpen}
              initialViewport={base.ui?.viewport}
              onViewportChange={(viewport) => {
                viewportRef.current = viewport;
              }}
              onContextMenu={openMenu}
            />
            <LayoutOnOpen enabled={layoutOnOpen} layout={autoLayout.layout} />
            {menu && (
              <ContextMenu
                at={menu}
                commands={commands}
                hasSelection={hasSelection}
                canUndo={graph.canUndo}
                canRedo={graph.canRedo}
                onClose={closeMenu}
              />
            )}
          </div>
          <SidePanel
            nodes={nodes}
            onConfigChange={updateConfig}
            onDelete={(node) => removeElements(new Set([node.id]), new Set())}
            onConnect={onConnect}
            onDisconnect={(edgeId) => removeElements(new Set(), new Set([edgeId]))}
            flowSettings={flowSettings}
            onFlowSettingsChange={setFlowSettings}
          />
          {simulating && <Simulator flowId={flow.id} flush={saver.flush} onClose={() => setSimulating(false)} />}
        </div>
      </div>
    </DesignerContext>
  );
}
