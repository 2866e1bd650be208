import { createContext, useCallback, useContext, useSyncExternalStore } from "react";
import { countsEqual, ZERO_COUNTS, type NodeCounts } from "../results";
import type { ElementTypeInfo } from "../types";
import { KeyedStore } from "./keyedStore";

/** Where a participant's path passes an element or connection: its step numbers, and whether the path
 * ends there. */
export interface PathMark {
  steps: readonly number[];
  last: boolean;
}

export const NO_MARK: PathMark = Object.freeze({ steps: Object.freeze([]) as readonly number[], last: false });

export function marksEqual(a: PathMark, b: PathMark): boolean {
  return a.last === b.last && a.steps.length === b.steps.length && a.steps.every((step, i) => step === b.steps[i]);
}

/** What the results canvas's nodes and connections read, each its own key. The object itself never
 * changes, so the context never re-renders them; the stores do, key by key. */
export interface ResultsStores {
  counts: KeyedStore<NodeCounts>;
  nodeMarks: KeyedStore<PathMark>;
  edgeMarks: KeyedStore<PathMark>;
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
}

export function createResultsStores(elementTypes: ReadonlyMap<string, ElementTypeInfo>): ResultsStores {
  return {
    counts: new KeyedStore<NodeCounts>(ZERO_COUNTS, countsEqual),
    nodeMarks: new KeyedStore<PathMark>(NO_MARK, marksEqual),
    edgeMarks: new KeyedStore<PathMark>(NO_MARK, marksEqual),
    elementTypes,
  };
}

export const ResultsContext = createContext<ResultsStores | null>(null);

export function useResultsStores(): ResultsStores {
  const value = useContext(ResultsContext);
  if (!value) {
    throw new Error("useResultsStores() must be used inside <ResultsContext>.");
  }
  return value;
}

/** One key's value of a store; the component re-renders when that key's value changes, not for others. */
export function useKeyed<V>(store: KeyedStore<V>, key: string): V {
  const subscribe = useCallback((listener: () => void) => store.subscribe(key, listener), [store, key]);
  const snapshot = useCallback(() => store.get(key), [store, key]);
  return useSyncExternalStore(subscribe, snapshot);
}
