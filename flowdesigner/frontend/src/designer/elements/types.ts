import type { ComponentType } from "react";
import type { JsonObject } from "../types";

/** One way out of an element: `name` is the key in the node's `exits`, `label` is what the canvas shows. */
export interface Exit {
  name: string;
  label: string;
}

/** Renames of exits made by an edit, old name → new name, so their edges can follow. */
export type ExitRenames = Readonly<Record<string, string>>;

export interface EditorProps {
  nodeId: string;
  config: JsonObject;
  onChange(config: JsonObject, renamedExits?: ExitRenames): void;
}

/** The canvas side of an element type; the server's registry holds the same types. */
export interface ElementModule {
  type: string;
  /** Config a new node starts from, before the server's defaults are laid over it. */
  defaults: JsonObject;
  exits(config: JsonObject): Exit[];
  /** The node's body on the canvas. */
  Summary: ComponentType<{ config: JsonObject }>;
  /** The side panel form. */
  Editor: ComponentType<EditorProps>;
}
