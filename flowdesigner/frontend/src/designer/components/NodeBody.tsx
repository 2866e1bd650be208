import { Handle, Position } from "@xyflow/react";
import { elementModule } from "../elements";
import type { Exit } from "../elements/types";
import type { JsonObject } from "../types";

interface NodeBodyProps {
  nodeId: string;
  type: string;
  config: JsonObject;
  exits: readonly Exit[];
  /** The editor's nodes start connections from their exits; read-only canvases (results, history) don't. */
  connectable: boolean;
}

/** What every canvas draws under a node's header: the element type's own summary and one handle per exit. */
export function NodeBody({ nodeId, type, config, exits, connectable }: NodeBodyProps) {
  const element = elementModule(type);
  return (
    <>
      {element ? <element.Summary config={config} /> : <p className="node-summary empty">Not supported by this designer</p>}
      {exits.length > 0 && (
        <ul className="exit-list">
          {exits.map((exit) => (
            <li key={exit.name}>
              {exit.label}
              <Handle
                type="source"
                position={Position.Right}
                id={exit.name}
                isConnectable={connectable}
                data-testid={connectable ? `exit-${nodeId}-${exit.name}` : undefined}
              />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
