/** Shapes of the report API (GET /api/flows/{id}/report/…) and of the performance page's configuration. */

import type { FlowDoc, FlowDocNode } from "../designer/types";

export type { FlowDoc, FlowDocNode };

/** What Django renders with json_script into the performance page (engine/reports/views_performance.py). */
export interface PerformanceConfig {
  flowId: number;
  flowName: string;
  reportUrl: string;
  activityUrl: string;
  /** The answers API of one form: append `<node_id>/`. */
  answersUrl: string;
  participantsUrl: string;
  flowUrl: string;
}

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

export interface VersionInfo {
  number: number;
  published_at: string;
}

export interface Report {
  flow: { id: number; name: string; status: string };
  version: number | null;
  versions: VersionInfo[];
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

/** A table behind a chart: what is shown, and what "Download CSV" writes. */
export interface TableData {
  columns: string[];
  rows: Array<Array<string | number>>;
}
