import { createContext, useContext } from "react";
import type { DesignerApi } from "./api";
import { useNodeIssues, type IssueStore } from "./issueStore";
import type { ElementTypeInfo, Issue } from "./types";
import type { FlowVariable } from "./variables";

/** What every part of the designer may read. Kept stable while editing (a new value re-renders every
 * node): per-node data such as issues comes from stores that tell only the nodes concerned. */
export interface DesignerContextValue {
  api: DesignerApi;
  /** The flow being designed (the Flow API entry shows its URL). */
  flowId: number;
  /** The server's element types by type string. */
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  issues: IssueStore;
  /** The flow's declared variables, as currently edited in the flow settings. */
  variables: readonly FlowVariable[];
}

export const DesignerContext = createContext<DesignerContextValue | null>(null);

export function useDesigner(): DesignerContextValue {
  const value = useContext(DesignerContext);
  if (!value) {
    throw new Error("useDesigner() must be used inside <DesignerContext>.");
  }
  return value;
}

/** The current issues of one node; the component re-renders only when they change. */
export function useIssuesOf(nodeId: string): readonly Issue[] {
  return useNodeIssues(useDesigner().issues, nodeId);
}
