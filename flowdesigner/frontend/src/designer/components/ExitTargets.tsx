import { useStore, type Connection, type ReactFlowState } from "@xyflow/react";
import { memo, useCallback, useMemo, useState, type ReactNode } from "react";
import { useDesigner } from "../context";
import { exitsOf } from "../elements";
import { exitConnections, targetChoices, type ExitConnection, type TargetChoice } from "../exitTargets";
import type { ElementNode } from "../types";

interface ExitTargetsProps {
  node: ElementNode;
  /** The canvas's own connect handler: a choice here makes the same edge a mouse drag does. */
  onConnect(connection: Connection): void;
  onDisconnect(edgeId: string): void;
}

/**
 * Connecting without a mouse: for each exit of the selected node, a list of the nodes it can lead to and a
 * Disconnect button. It reads nodes and edges from React Flow's store through string keys, so a drag
 * elsewhere on a large canvas does not render it again. The full list of targets is built only once the
 * user reaches these controls: until then each list holds just the current target, so typing in the
 * editor above costs no walk over a thousand nodes per keystroke.
 */
export const ExitTargets = memo(function ExitTargets({ node, onConnect, onDisconnect }: ExitTargetsProps) {
  const { elementTypes } = useDesigner();
  const exits = exitsOf(node.data);
  const [listing, setListing] = useState(false);

  const choicesKey = useStore(
    useCallback(
      (state: ReactFlowState) => {
        // The store holds the nodes FlowEditor gives the canvas: ElementNodes, typed there as plain Nodes.
        const nodes = state.nodes as ElementNode[];
        if (listing) {
          return JSON.stringify(targetChoices(node.id, nodes, elementTypes));
        }
        const targets = new Set(state.edges.filter((edge) => edge.source === node.id).map((edge) => edge.target));
        const current = [...targets].flatMap((id) => {
          const target = state.nodeLookup.get(id);
          return target ? [target as unknown as ElementNode] : [];
        });
        return JSON.stringify(targetChoices(node.id, current, elementTypes));
      },
      [node.id, elementTypes, listing],
    ),
  );
  const choices = useMemo(() => JSON.parse(choicesKey) as TargetChoice[], [choicesKey]);
  // The same option elements every render: a keystroke in the editor above then costs no diffing of a
  // thousand options per exit.
  const options = useMemo(
    () =>
      choices.map((choice) => (
        <option key={choice.id} value={choice.id}>
          {choice.label}
        </option>
      )),
    [choices],
  );
  const connectionsKey = useStore(
    useCallback(
      (state: ReactFlowState) =>
        JSON.stringify(
          state.edges
            .filter((edge) => edge.source === node.id)
            .map(({ id, source, sourceHandle, target }) => ({ id, source, sourceHandle, target })),
        ),
      [node.id],
    ),
  );
  const connections = exitConnections(node.id, exits, JSON.parse(connectionsKey));

  if (exits.length === 0) {
    return null;
  }
  return (
    <section
      className="exit-targets"
      aria-labelledby={`exit-targets-${node.id}`}
      data-testid="exit-targets"
      onFocus={() => setListing(true)}
      onPointerDown={() => setListing(true)}
    >
      <h3 id={`exit-targets-${node.id}`}>Connections</h3>
      <ul>
        {connections.map((connection) => (
          <ExitTargetRow
            key={connection.exit.name}
            nodeId={node.id}
            connection={connection}
            choices={choices}
            options={options}
            onConnect={onConnect}
            onDisconnect={onDisconnect}
          />
        ))}
      </ul>
    </section>
  );
});

interface ExitTargetRowProps extends Omit<ExitTargetsProps, "node"> {
  nodeId: string;
  connection: ExitConnection;
  choices: readonly TargetChoice[];
  options: ReactNode;
}

function ExitTargetRow({ nodeId, connection, choices, options, onConnect, onDisconnect }: ExitTargetRowProps) {
  const { exit, target, edgeId } = connection;
  const selectId = `connect-${nodeId}-${exit.name}`;
  // A target outside the choices (an entry element reached by an imported flow) must still show as chosen.
  const strayTarget = target !== null && !choices.some((choice) => choice.id === target);

  function choose(value: string) {
    if (value) {
      onConnect({ source: nodeId, sourceHandle: exit.name, target: value, targetHandle: null });
    } else if (edgeId) {
      onDisconnect(edgeId);
    }
  }

  return (
    <li className="exit-target">
      <label htmlFor={selectId}>Connect “{exit.label}” to</label>
      <div className="exit-target-row">
        <select
          id={selectId}
          data-testid={`connect-${exit.name}`}
          value={target ?? ""}
          onChange={(event) => choose(event.target.value)}
        >
          <option value="">Not connected</option>
          {strayTarget && <option value={target}>{target}</option>}
          {options}
        </select>
        <button
          type="button"
          data-testid={`disconnect-${exit.name}`}
          aria-label={`Disconnect “${exit.label}”`}
          disabled={edgeId === null}
          onClick={() => edgeId && onDisconnect(edgeId)}
        >
          Disconnect
        </button>
      </div>
    </li>
  );
}
