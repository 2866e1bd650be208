import { createContext, useContext } from "react";
import type { DesignerApi } from "./api";
import type { ElementTypeInfo, Issue } from "./types";

export interface DesignerContextValue {
  api: DesignerApi;
  /** The server's element types by type string. */
  elementTypes: ReadonlyMap<string, ElementTypeInfo>;
  issuesByNode: ReadonlyMap<string, Issue[]>;
}

export const DesignerContext = createContext<DesignerContextValue | null>(null);

export function useDesigner(): DesignerContextValue {
  const value = useContext(DesignerContext);
  if (!value) {
    throw new Error("useDesigner() must be used inside <DesignerContext>.");
  }
  return value;
}
