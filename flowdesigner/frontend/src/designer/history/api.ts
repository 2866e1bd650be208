/** The history API (flowdesigner/api.py: FlowVersionListApi, FlowVersionDetailApi, FlowVersionRestoreApi). */

import { readPageConfig } from "../../shared/config";
import { jsonClient } from "../../shared/http";
import type { DesignerConfig, FlowDoc, Issue, Page } from "../types";

/** One row of GET /api/flows/{id}/versions/ (no definition: the list stays light for long histories). */
export interface VersionSummary {
  id: number;
  number: number;
  published_at: string;
  /** The publisher's name; null when unknown or since deleted. */
  published_by: string | null;
  element_count: number;
}

/** GET /api/flows/{id}/versions/{number}/. */
export interface VersionDetail extends VersionSummary {
  definition: FlowDoc;
}

/** POST /api/flows/{id}/versions/{number}/restore/: the draft's new revision and its issues. */
export interface RestoreResult {
  revision: number;
  issues: Issue[];
}

export function historyApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  const flowUrl = (flowId: number) => `${apiBase}flows/${flowId}/`;
  return {
    /** Every published version, newest first (all pages). */
    async versions(flowId: number): Promise<VersionSummary[]> {
      const versions: VersionSummary[] = [];
      let url: string | null = `${flowUrl(flowId)}versions/?page_size=500`;
      while (url) {
        const page: Page<VersionSummary> = await http.get<Page<VersionSummary>>(url);
        versions.push(...page.results);
        url = page.next;
      }
      return versions;
    },
    version: (flowId: number, number: number) => http.get<VersionDetail>(`${flowUrl(flowId)}versions/${number}/`),
    /** The draft's current revision as the server has it (what a restore is based on). */
    draftRevision: async (flowId: number) =>
      (await http.get<{ draft: { revision: number } }>(flowUrl(flowId))).draft.revision,
    restore: (flowId: number, number: number, revision: number) =>
      http.post<RestoreResult>(`${flowUrl(flowId)}versions/${number}/restore/`, { revision }),
  };
}

export type HistoryApi = ReturnType<typeof historyApi>;

let pageApi: HistoryApi | null = null;

/** The history API of the designer page, from the page's configuration (read once). */
export function pageHistoryApi(): HistoryApi {
  if (!pageApi) {
    const config = readPageConfig<DesignerConfig>("designer-config");
    pageApi = historyApi(config.apiBase, config.csrfToken);
  }
  return pageApi;
}
