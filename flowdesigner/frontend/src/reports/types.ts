/** The performance page's configuration and tables; the report API's shapes are in shared/report.ts. */

import type { FlowDoc, FlowDocNode } from "../designer/types";

export type { FlowDoc, FlowDocNode };
export type {
  Activity,
  ActivityPoint,
  Answer,
  Answers,
  Bucket,
  NodeReport,
  Report,
  Totals,
} from "../shared/report";

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

/** A table behind a chart: what is shown, and what "Download CSV" writes. */
export interface TableData {
  columns: string[];
  rows: Array<Array<string | number>>;
}
