import type { Edge } from "@xyflow/react";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "../shared/http";
import type { DesignerApi } from "./api";
import { placeExits } from "./autoExits";
import { exitsOf } from "./elements";
import { newNodeId } from "./ids";
import type { ElementNode, FlowDoc, Graph, Issue, JsonObject } from "./types";

/** What the last Validate added, and the document it left, so that exactly that can be undone. */
interface AddedExits {
  nodeIds: ReadonlySet<string>;
  edgeIds: ReadonlySet<string>;
  /** The editor's edit count right after the Exits were added. */
  edits: number;
}

interface Options {
  api: DesignerApi;
  nodes: ElementNode[];
  edges: Edge[];
  /** The editor's edit count (changes whenever the document does). */
  edits: number;
  /** The document for a graph, built as the saver builds it. */
  docOf(graph: Graph): FlowDoc;
  /** The config of a placed Exit; null when the server offers no Exit element. */
  exitConfig: JsonObject | null;
  addElements(nodes: readonly ElementNode[], edges: readonly Edge[]): void;
  removeElements(nodeIds: ReadonlySet<string>, edgeIds: ReadonlySet<string>): void;
  showIssues(issues: Issue[]): void;
}

export interface Validation {
  /** Whether the validation panel is shown. */
  open: boolean;
  running: boolean;
  error: string | null;
  /** How many Exits the last Validate added, while they can still be undone (else 0). */
  addedExits: number;
  validate(): Promise<void>;
  undoExits(): void;
  close(): void;
}

/**
 * The Validate button: place an Exit after every unconnected exit, then have the server check the
 * resulting document (POST /api/flows/validate/, the checks publishing makes) and show its issues. The
 * Exits can be taken away again while nothing else has changed since.
 */
export function useValidation(options: Options): Validation {
  const { api, nodes, edges, edits, docOf, exitConfig, addElements, removeElements, showIssues } = options;
  const [open, setOpen] = useState(false);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<AddedExits | null>(null);

  // Any other change (an edit, a move, the flow settings) ends the undo: it would no longer remove
  // exactly what was added. Changing something back does not bring it back.
  useEffect(() => {
    if (added && added.edits !== edits) {
      setAdded(null);
    }
  }, [added, edits]);

  const validate = useCallback(async () => {
    const placed = exitConfig
      ? placeExits(nodes, edges, {
          exitsOf: (node) => exitsOf(node.data),
          newId: (taken) => newNodeId("exit", taken),
          config: exitConfig,
        })
      : { nodes: [], edges: [] };
    const next: Graph = { nodes: [...nodes, ...placed.nodes], edges: [...edges, ...placed.edges] };
    // Set with the nodes in one update, so the undo is never offered for a document it did not make.
    if (placed.nodes.length > 0) {
      addElements(placed.nodes, placed.edges);
      setAdded({
        nodeIds: new Set(placed.nodes.map((node) => node.id)),
        edgeIds: new Set(placed.edges.map((edge) => edge.id)),
        // addElements is exactly one edit.
        edits: edits + 1,
      });
    } else {
      setAdded(null);
    }
    setOpen(true);
    setRunning(true);
    setError(null);
    try {
      const { issues } = await api.validate(docOf(next));
      showIssues(issues);
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setRunning(false);
    }
  }, [api, nodes, edges, edits, docOf, exitConfig, addElements, showIssues]);

  const undoExits = useCallback(() => {
    if (added && added.edits === edits) {
      removeElements(added.nodeIds, added.edgeIds);
      setAdded(null);
    }
  }, [added, edits, removeElements]);

  return {
    open,
    running,
    error,
    addedExits: added && added.edits === edits ? added.nodeIds.size : 0,
    validate,
    undoExits,
    close: useCallback(() => setOpen(false), []),
  };
}
