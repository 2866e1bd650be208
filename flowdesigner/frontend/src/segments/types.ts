/** Shapes of the segments API (see docs/segments.md) and of the builder's page configuration. */

export type DataType = "BOOLEAN" | "TEXT" | "NUMBER" | "DATE" | "DATETIME" | "LIST";
export type ValueKind = "none" | "value" | "days";
export type GroupOp = "and" | "or";

export interface OperatorInfo {
  name: string;
  label: string;
  value: ValueKind;
}

export interface AttributeInfo {
  key: string;
  label: string;
  data_type: DataType;
  number_kind: string;
  standard: boolean;
}

/** GET /api/segments/operators/ */
export interface OperatorTable {
  data_types: Record<DataType, OperatorInfo[]>;
  subjects: Record<"tag" | "company" | "segment", OperatorInfo[]>;
  attributes: AttributeInfo[];
}

export interface Named {
  id: number;
  name: string;
  person_count?: number;
}

/** The server's rule document. */
export type RuleDoc = GroupDoc | ConditionDoc;
export interface GroupDoc {
  op: GroupOp;
  rules: RuleDoc[];
}
export interface ConditionDoc {
  attribute?: string;
  tag?: number;
  company?: number;
  segment?: number;
  operator?: string;
  value?: unknown;
}

export interface RuleError {
  path: string;
  message: string;
}

export interface PreviewPerson {
  id: number;
  first_name: string;
  last_name: string;
  email: string | null;
  phone: string | null;
}

export interface Preview {
  count: number;
  sample: PreviewPerson[];
}

export interface SegmentsConfig {
  segmentId: number | null;
  name: string;
  rules: GroupDoc;
  canEdit: boolean;
  csrfToken: string;
  apiBase: string;
  listUrl: string;
  /** The edit page of a segment, "{id}" standing for its id. */
  editUrlTemplate: string;
}
