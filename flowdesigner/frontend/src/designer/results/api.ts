/** The report API as the results mode uses it (engine/reports/api.py). */

import { jsonClient } from "../../shared/http";
import type { Report } from "../../shared/report";
import type { PathEntry, VersionChoice } from "../results";

export interface PersonRef {
  id: number;
  name: string;
}

/** How a participant is named in a list: their person's name; a deleted person leaves the id only. */
export function participantName(person: PersonRef | null, participantId: number): string {
  return person?.name || (person ? `Person ${person.id}` : `Participant ${participantId}`);
}

/** One row of GET /api/flows/{id}/participants/. */
export interface ParticipantRow {
  id: number;
  /** null when the person was deleted. */
  person: PersonRef | null;
  version: number;
  status: string;
  current_node: string | null;
  launch: number | null;
  launch_tag: string;
  created_at: string;
  completed_at: string | null;
}

export interface ParticipantPage {
  results: ParticipantRow[];
  /** The cursor of the next page, or null on the last. */
  next: string | null;
}

export interface ParticipantMessage {
  id: number;
  direction: "in" | "out" | string;
  channel: string;
  status: string;
  text: string;
  at: string;
  answer?: string | null;
}

/** GET /api/participants/{id}/. */
export interface ParticipantDetail {
  id: number;
  flow: number;
  version: number;
  person: PersonRef | null;
  status: string;
  current_node: string | null;
  path: PathEntry[];
  messages: ParticipantMessage[];
}

function versionQuery(version: VersionChoice): Record<string, string> {
  return version === "all" ? {} : { version: String(version) };
}

export function resultsApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    report: (flowId: number, version: VersionChoice, signal?: AbortSignal) =>
      http.get<Report>(`${apiBase}flows/${flowId}/report/?${new URLSearchParams(versionQuery(version))}`, {
        signal,
      }),
    /** Participants waiting at an element now, newest first; `cursor` is the previous page's `next`. */
    waiting: (flowId: number, version: VersionChoice, element: string, cursor: string | null, signal?: AbortSignal) => {
      const query = new URLSearchParams({ ...versionQuery(version), element, ...(cursor ? { cursor } : {}) });
      return http.get<ParticipantPage>(`${apiBase}flows/${flowId}/participants/?${query}`, { signal });
    },
    participant: (participantId: number, signal?: AbortSignal) =>
      http.get<ParticipantDetail>(`${apiBase}participants/${participantId}/`, { signal }),
  };
}

export type ResultsApi = ReturnType<typeof resultsApi>;
