import { useCallback, useSyncExternalStore } from "react";
import type { Issue } from "./types";

const NONE: readonly Issue[] = Object.freeze([]);

/**
 * The current issues by node, for components that show one node's issues. A save brings a new issue list;
 * only the nodes whose own issues changed are told, so a save does not re-render a thousand nodes.
 */
export class IssueStore {
  private byNode = new Map<string, readonly Issue[]>();
  private keys = new Map<string, string>();
  private listeners = new Map<string, Set<() => void>>();

  /** Replaces the issues; nodes whose issues are the same keep the same array (and are not told). */
  set(issues: readonly Issue[]): void {
    const grouped = new Map<string, Issue[]>();
    for (const issue of issues) {
      if (issue.node_id !== null) {
        const list = grouped.get(issue.node_id);
        if (list) list.push(issue);
        else grouped.set(issue.node_id, [issue]);
      }
    }
    const changed = new Set<string>();
    for (const id of this.byNode.keys()) {
      if (!grouped.has(id)) {
        this.byNode.delete(id);
        this.keys.delete(id);
        changed.add(id);
      }
    }
    for (const [id, list] of grouped) {
      const key = JSON.stringify(list);
      if (this.keys.get(id) !== key) {
        this.byNode.set(id, list);
        this.keys.set(id, key);
        changed.add(id);
      }
    }
    for (const id of changed) {
      this.listeners.get(id)?.forEach((listener) => listener());
    }
  }

  get(nodeId: string): readonly Issue[] {
    return this.byNode.get(nodeId) ?? NONE;
  }

  subscribe(nodeId: string, listener: () => void): () => void {
    let set = this.listeners.get(nodeId);
    if (!set) {
      set = new Set();
      this.listeners.set(nodeId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(nodeId);
    };
  }
}

/** One node's current issues (the same array until they change). */
export function useNodeIssues(store: IssueStore, nodeId: string): readonly Issue[] {
  const subscribe = useCallback((listener: () => void) => store.subscribe(nodeId, listener), [store, nodeId]);
  const current = useCallback(() => store.get(nodeId), [store, nodeId]);
  return useSyncExternalStore(subscribe, current);
}
