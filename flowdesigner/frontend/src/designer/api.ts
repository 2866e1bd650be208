import { isObject, jsonClient } from "../shared/http";
import type { ElementTypeInfo, FlowDetail, FlowDoc, Issue, Page, Person, PublishResult, SaveResult, Tag } from "./types";

export function designerApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    elementTypes: () => http.get<ElementTypeInfo[]>(`${apiBase}element-types/`),
    flow: (flowId: number) => http.get<FlowDetail>(`${apiBase}flows/${flowId}/`),
    saveDraft: (flowId: number, definition: FlowDoc, revision: number) =>
      http.put<SaveResult>(`${apiBase}flows/${flowId}/draft/`, { definition, revision }),
    publish: (flowId: number, revision: number) =>
      http.post<PublishResult>(`${apiBase}flows/${flowId}/publish/`, { revision }),
    async tags(): Promise<Tag[]> {
      const tags: Tag[] = [];
      let url: string | null = `${apiBase}tags/?page_size=200`;
      while (url) {
        const page: Page<Tag> = await http.get<Page<Tag>>(url);
        tags.push(...page.results);
        url = page.next;
      }
      return tags;
    },
    searchPersons: (text: string, signal: AbortSignal) =>
      http.get<Page<Person>>(`${apiBase}persons/?${new URLSearchParams({ search: text, page_size: "20" })}`, {
        signal,
      }),
  };
}

export type DesignerApi = ReturnType<typeof designerApi>;

/** The issues in a refused publish's body, if it has any. */
export function issuesIn(body: unknown): Issue[] | null {
  return isObject(body) && Array.isArray(body.issues) ? (body.issues as Issue[]) : null;
}
