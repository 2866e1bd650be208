import type { Edge, Node } from "@xyflow/react";
import type { components } from "../shared/api-schema";

/** The API's shapes as the OpenAPI schema describes them (shared/api-schema.ts, `make api-types`). */
type Schemas = components["schemas"];

/** A JSON object whose keys we may not know; unknown keys are carried through untouched. */
export type JsonObject = Record<string, unknown>;

export type Category = "entry" | "step" | "exit";

/** GET /api/element-types/: the schema's ElementType, with the fields it leaves open written here (its
 * category is any string, config_schema and defaults are free JSON). */
export type ElementTypeInfo = Omit<Schemas["ElementType"], "category" | "config_schema" | "defaults"> & {
  category: Category;
  config_schema: JsonObject;
  defaults: JsonObject;
};

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

/** The flow definition document (spec_version 1). Hand-written: the API schema has it as free JSON (its
 * own JSON Schema is engine/core/flow.schema.json). */
export interface FlowDoc {
  spec_version: number;
  nodes: FlowDocNode[];
  ui?: FlowDocUi;
  [key: string]: unknown;
}

export type Issue = Schemas["Issue"];

/** GET /api/flows/{id}/. The draft is free JSON in the schema: its shape is written here. */
export type FlowDetail = Omit<Schemas["FlowDetail"], "draft"> & {
  draft: { definition: FlowDoc; revision: number; issues: Issue[] };
};

export type SaveResult = Schemas["DraftSaved"];

/** POST /api/flows/{id}/publish/. The server also answers `issues` (empty), which the schema leaves out. */
export type PublishResult = Schemas["Published"] & { issues: Issue[] };

export type ValidateResult = Schemas["ValidateResult"];

/** A page of a list endpoint. Hand-written and generic: the schema has one Paginated<X>List per type. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type Tag = Schemas["Tag"];

/** An attribute definition as the designer reads it (GET /api/attributes/). */
export type AttributeInfo = Pick<Schemas["AttributeDefinition"], "key" | "label" | "data_type">;

/** A person as the designer's pickers read it (GET /api/persons/). Required<>: the schema marks writable
 * fields with a default as optional, but an answer always carries every field. */
export type Person = Pick<
  Required<Schemas["Person"]>,
  "id" | "first_name" | "last_name" | "email" | "phone" | "language" | "tags"
>;

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
