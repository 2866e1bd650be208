/** Shapes of the report API (GET /api/flows/{id}/report/…, engine/reports/api.py), read by the designer's
 * results mode and the performance page. Hand-written, not aliases of the generated shared/api-schema.ts:
 * the schema has these answers as free-form objects (the views answer a JSONField). */

import type { FlowDoc } from "../designer/types";

export interface NodeReport {
  entered?: number;
  waiting?: number;
  timed_out?: number;
  failed?: number;
  /** Exit name -> how many left by it; "" = completed at an Exit element. */
  exits?: Record<string, number>;
  /** Form answer value -> how many gave it (choice, slider, range and date widgets). */
  values?: Record<string, number>;
}

export interface Totals {
  entered: number;
  active: number;
  completed: number;
  failed: number;
  exited: number;
}

export interface ReportVersion {
  number: number;
  published_at: string;
}

export interface Report {
  flow: { id: number; name: string; status: string };
  version: number | null;
  /** Newest first. */
  versions: ReportVersion[];
  /** That version's definition, the newest for all versions; null before the first publish. */
  definition: FlowDoc | null;
  totals: Partial<Totals>;
  nodes: Record<string, NodeReport>;
  /** Channel -> delivery state -> how many messages are in that state now. */
  delivery: Record<string, Record<string, number>>;
  sources: Record<string, Record<string, number>>;
}

export type Bucket = "hour" | "day";

export interface ActivityPoint {
  at: string;
  entered: number;
  completed: number;
  failed: number;
  exited: number;
  active: number;
}

export interface Activity {
  bucket: Bucket;
  start: string;
  end: string;
  series: ActivityPoint[];
}

export interface Answer {
  participant: number;
  /** null when the person was deleted. */
  person: { id: number; name: string } | null;
  at: string;
  value: unknown;
  display: string;
}

export interface Answers {
  node_id: string;
  widget: string;
  answers: Answer[];
}
