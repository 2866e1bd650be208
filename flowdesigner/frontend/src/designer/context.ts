import { createContext, useContext } from "react";
import type { DesignerApi } from "./api";
import type { ElementTypeInfo, Issue } from "./types";
import type { FlowVariable } from "./variables";

export interface DesignerContextValue {
  api: DesignerApi;
  /** The flow being designed (the Flow API entry shows its URL). */
  flowId: number;
  /** The server's element types by type string. */
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  issuesByNode: ReadonlyMap<string, Issue[]>;
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
