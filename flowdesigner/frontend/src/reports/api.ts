/** The report API (GET only, so no CSRF token is needed). */

import { jsonClient } from "../shared/http";
import type { Activity, Answers, PerformanceConfig, Report } from "./types";

/** `url` with the query parameters that have a value. */
export function withQuery(url: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") {
      query.set(key, String(value));
    }
  }
  const text = query.toString();
  return text ? `${url}${url.includes("?") ? "&" : "?"}${text}` : url;
}

export function reportsApi(config: PerformanceConfig) {
  const http = jsonClient("");
  return {
    report: (version: number | null, signal: AbortSignal) =>
      http.get<Report>(withQuery(config.reportUrl, { version }), { signal }),
    activity: (version: number | null, range: { start: string; end: string }, signal: AbortSignal) =>
      http.get<Activity>(withQuery(config.activityUrl, { version, ...range }), { signal }),
    answers: (nodeId: string, version: number | null, signal: AbortSignal) =>
      http.get<Answers>(withQuery(`${config.answersUrl}${encodeURIComponent(nodeId)}/`, { version, limit: 50 }), {
        signal,
      }),
  };
}

export type ReportsApi = ReturnType<typeof reportsApi>;
