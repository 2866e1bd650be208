/** Shapes of the segments API (see docs/segments.md) and of the builder's page configuration. */

export type DataType = "BOOLEAN" | "TEXT" | "NUMBER" | "DATE" | "DATETIME" | "LIST";
/**
 * What an operator's value is: none, a value of the attribute's type, or a duration ({"amount": n,
 * "unit": …}; a bare number, the older format, is a number of days). "days" is what servers sent before
 * durations; the server no longer does, and it goes once no designer code tests for it.
 */
export type ValueKind = "none" | "value" | "duration" | "days";
export type DurationUnit = "minutes" | "hours" | "days" | "weeks";
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

export interface EventPropertyInfo {
  key: string;
  label: string;
  data_type: DataType;
}

export interface EventInfo {
  key: string;
  label: string;
  properties: EventPropertyInfo[];
}

/** GET /api/segments/operators/ */
export interface OperatorTable {
  data_types: Record<DataType, OperatorInfo[]>;
  subjects: Record<"tag" | "company" | "segment", OperatorInfo[]> & { event?: OperatorInfo[] };
  attributes: AttributeInfo[];
  /** The event definitions one can pick, with their typed properties. */
  events?: EventInfo[];
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
  event?: string;
  operator?: string;
  value?: unknown;
  within?: { amount?: unknown; unit?: unknown };
  count?: { operator?: unknown; value?: unknown };
  properties?: PropertyFilterDoc[];
}

/** One property filter of an event condition. */
export interface PropertyFilterDoc {
  property?: string;
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
