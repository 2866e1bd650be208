import type { Connection } from "@xyflow/react";
import { useDesigner, useIssuesOf } from "../context";
import { elementModule } from "../elements";
import type { ExitRenames } from "../elements/types";
import type { FlowSettings } from "../flowSettings";
import type { ElementNode, JsonObject } from "../types";
import { ExitTargets } from "./ExitTargets";
import { FlowSettingsPanel } from "./FlowSettingsPanel";
import { IssueList } from "./IssueList";

interface SidePanelProps {
  nodes: ElementNode[];
  onConfigChange(node: ElementNode, config: JsonObject, renamedExits?: ExitRenames): void;
  onDelete(node: ElementNode): void;
  /** Keyboard connections (ExitTargets): the canvas's onConnect, and removing one exit's edge. */
  onConnect(connection: Connection): void;
  onDisconnect(edgeId: string): void;
  flowSettings: FlowSettings;
  onFlowSettingsChange(settings: FlowSettings): void;
}

export function SidePanel({ nodes, flowSettings, onFlowSettingsChange, ...editorProps }: SidePanelProps) {
  const selected = nodes.filter((node) => node.selected);
  const wide = selected.length === 1 && WIDE_EDITORS.has(selected[0]?.data.type ?? "");
  return (
    <aside className={`side-panel${wide ? " wide" : ""}`} aria-label="Selected element">
      {selected.length === 0 && (
        <>
          <p className="muted">Select an element to edit it.</p>
          <FlowSettingsPanel settings={flowSettings} onChange={onFlowSettingsChange} />
        </>
      )}
      {selected.length > 1 && <p className="muted">{selected.length} elements selected. Press Delete to remove them.</p>}
      {selected.length === 1 && selected[0] && (
        // Keyed by node so the editor's own state (a search, a half-typed id) does not carry over.
        <NodeEditor key={selected[0].id} node={selected[0]} {...editorProps} />
      )}
    </aside>
  );
}

/** Element types whose editor needs more room than the usual panel (the rule builder's rows). */
const WIDE_EDITORS: ReadonlySet<string> = new Set([
  "condition_split",
  "call_url",
  "profile_change",
  "people_event",
  "sftp_import",
  "flow_api",
  "inbound_message",
  "evaluate_reply",
]);

interface NodeEditorProps
  extends Pick<SidePanelProps, "onConfigChange" | "onDelete" | "onConnect" | "onDisconnect"> {
  node: ElementNode;
}

function NodeEditor({ node, onConfigChange, onDelete, onConnect, onDisconnect }: NodeEditorProps) {
  const { elementTypes } = useDesigner();
  const element = elementModule(node.data.type);
  const issues = useIssuesOf(node.id);
  return (
    <>
      <header className="side-panel-header">
        <h2>{elementTypes.get(node.data.type)?.label ?? node.data.type}</h2>
        <code>{node.id}</code>
      </header>
      {issues.length > 0 && <IssueList issues={issues} testId="node-issues" />}
      {element ? (
        <element.Editor
          nodeId={node.id}
          config={node.data.config}
          onChange={(config, renamedExits) => onConfigChange(node, config, renamedExits)}
        />
      ) : (
        <p className="muted">This designer cannot edit “{node.data.type}” elements; they are saved unchanged.</p>
      )}
      <ExitTargets node={node} onConnect={onConnect} onDisconnect={onDisconnect} />
      <button type="button" className="danger" data-testid="delete-node" onClick={() => onDelete(node)}>
        Delete element
      </button>
    </>
  );
}
