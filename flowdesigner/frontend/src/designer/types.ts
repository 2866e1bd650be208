import type { Edge, Node } from "@xyflow/react";

/** A JSON object whose keys we may not know; unknown keys are carried through untouched. */
export type JsonObject = Record<string, unknown>;

export type Category = "entry" | "step" | "exit";

export interface ElementTypeInfo {
  type: string;
  label: string;
  category: Category;
  config_schema: JsonObject;
  defaults: JsonObject;
}

export interface FlowDocNode {
  id: string;
  type: string;
  config: JsonObject;
  exits: Record<string, string | null>;
  [key: string]: unknown;
}

export interface XY {
  x: number;
  y: number;
}

export interface Viewport extends XY {
  zoom: number;
}

export interface FlowDocUi {
  nodes?: Record<string, XY & JsonObject>;
  viewport?: Viewport;
  [key: string]: unknown;
}

/** The flow definition document (spec_version 1). */
export interface FlowDoc {
  spec_version: number;
  nodes: FlowDocNode[];
  ui?: FlowDocUi;
  [key: string]: unknown;
}

export interface Issue {
  code: string;
  message: string;
  node_id: string | null;
  field: string | null;
}

export interface FlowDetail {
  id: number;
  name: string;
  status: string;
  callback_url: string;
  draft: { definition: FlowDoc; revision: number; issues: Issue[] };
  published_version: number | null;
}

export interface SaveResult {
  revision: number;
  issues: Issue[];
}

export interface PublishResult {
  version: number;
  issues: Issue[];
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Tag {
  id: number;
  name: string;
  person_count: number;
}

export interface AttributeInfo {
  key: string;
  label: string;
  data_type: string;
}

export interface Person {
  id: number;
  first_name: string;
  last_name: string;
  email: string;
  phone: string;
  language: string;
  tags: number[];
}

/** What a canvas node carries: the element's part of the document. */
export type ElementData = {
  type: string;
  config: JsonObject;
  /** Node keys other than id/type/config/exits, kept for the round trip. */
  extra: JsonObject;
  /** Exit names as stored, used only for element types this front end has no module for. */
  storedExits: string[];
};

export type ElementNode = Node<ElementData, "element">;

export interface Graph {
  nodes: ElementNode[];
  edges: Edge[];
}

export interface DesignerConfig {
  flowId: number;
  flowName: string;
  csrfToken: string;
  apiBase: string;
  flowsUrl: string;
}
