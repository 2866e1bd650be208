import { jsonClient } from "../shared/http";
import type { GroupDoc, Named, OperatorTable, Preview } from "./types";

interface Page<T> {
  results: T[];
  next: string | null;
}

export interface SavedSegment {
  id: number;
  name: string;
  rules: GroupDoc;
}

export function segmentsApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);

  async function all<T>(url: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | null = url;
    while (next) {
      const page: Page<T> = await http.get<Page<T>>(next);
      items.push(...page.results);
      next = page.next;
    }
    return items;
  }

  return {
    operators: () => http.get<OperatorTable>(`${apiBase}segments/operators/`),
    tags: () => all<Named>(`${apiBase}tags/?page_size=200`),
    companies: () => all<Named>(`${apiBase}companies/?page_size=200`),
    segments: () => all<Named>(`${apiBase}segments/?page_size=200`),
    preview: (rules: GroupDoc, signal: AbortSignal) =>
      http.post<Preview>(`${apiBase}segments/preview/`, { rules }, { signal }),
    save: (id: number | null, name: string, rules: GroupDoc) =>
      id === null
        ? http.post<SavedSegment>(`${apiBase}segments/`, { name, rules })
        : http.put<SavedSegment>(`${apiBase}segments/${id}/`, { name, rules }),
  };
}

export type SegmentsApi = ReturnType<typeof segmentsApi>;
