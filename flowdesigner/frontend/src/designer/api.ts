import type { OperatorTable } from "../segments/types";
import type { components } from "../shared/api-schema";
import { isObject, jsonClient, JsonText } from "../shared/http";
import type {
  AttributeInfo,
  ElementTypeInfo,
  FlowDetail,
  FlowDoc,
  Issue,
  Page,
  Person,
  PublishResult,
  SaveResult,
  Tag,
  ValidateResult,
} from "./types";

/** The API's shapes as the OpenAPI schema describes them (shared/api-schema.ts, `make api-types`). */
type Schemas = components["schemas"];

export function designerApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    elementTypes: () => http.get<ElementTypeInfo[]>(`${apiBase}element-types/`),
    flow: (flowId: number) => http.get<FlowDetail>(`${apiBase}flows/${flowId}/`),
    /** Saves the draft document, given serialised (the saver keeps the text to compare the next one). */
    saveDraft: (flowId: number, definitionText: string, revision: number) =>
      http.put<SaveResult>(
        `${apiBase}flows/${flowId}/draft/`,
        new JsonText(`{"definition":${definitionText},"revision":${JSON.stringify(revision)}}`),
      ),
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
    /** Branding packages for the message editors' dropdown (a marketer uploads them on /brandings/). */
    brandings: async (): Promise<BrandingInfo[]> =>
      (await http.get<Page<BrandingInfo>>(`${apiBase}brandings/?page_size=500`)).results,
    attributes: async (): Promise<AttributeInfo[]> =>
      (await http.get<Page<AttributeInfo>>(`${apiBase}attributes/?page_size=500`)).results,
    /** The people operator table (operators, attributes with their data types, events with their
     * properties), as the segment rule builder uses it; read by the condition split and wait editors. */
    segmentOperators: () => http.get<OperatorTable>(`${apiBase}segments/operators/`),
    /** The issues of a definition as publishing would find them, without saving it (the Validate button). */
    validate: (definition: FlowDoc) => http.post<ValidateResult>(`${apiBase}flows/validate/`, { definition }),
    /** The SFTP servers an SFTP Import entry can fetch from (managed on /sftp/connections/). */
    sftpConnections: () => http.get<SftpConnection[]>(`${apiBase}sftp/connections/`),
    /** Our SMS, email and voice channels with their identities (numbers, addresses), for the recipient of
     * Inbound Message and Inbound Call. A plain list; a paged answer is read too. */
    async channels(): Promise<ChannelInfo[]> {
      const body = await http.get<unknown>(`${apiBase}channels/`);
      return readChannels(body);
    },
    /** Flows whose published version has Existing Flow entries, for the "Add to flow" step. */
    existingFlowEntries: () => http.get<FlowEntries[]>(`${apiBase}flows/entries/?type=existing_flow`),
    /** The export URL of the flow's draft as Rogerthat XML (a download, or 400 with the reasons). */
    exportUrl: (flowId: number) => `${apiBase}flows/${flowId}/export/`,
    // Predefined Audience pickers (designer/elements/predefined_audience).
    segments: () => http.get<Page<AudienceChoice>>(`${apiBase}segments/?page_size=200`),
    companies: () => http.get<Page<AudienceChoice>>(`${apiBase}companies/?page_size=200`),
    segmentCount: (segmentId: number) => http.get<Schemas["SegmentCount"]>(`${apiBase}segments/${segmentId}/count/`),
    personsByIds: (ids: number[]) =>
      http.get<Page<Person>>(`${apiBase}persons/?${new URLSearchParams({ ids: ids.join(","), page_size: "500" })}`),
    searchPersons: (text: string, signal: AbortSignal) =>
      http.get<Page<Person>>(`${apiBase}persons/?${new URLSearchParams({ search: text, page_size: "20" })}`, {
        signal,
      }),
  };
}

export type DesignerApi = ReturnType<typeof designerApi>;

/** A branding package as GET /api/brandings/ lists it. Required<>: the schema marks the colours optional
 * (writable with a default), but an answer always carries them. */
export type BrandingInfo = Pick<
  Required<Schemas["Branding"]>,
  "key" | "name" | "background_color" | "text_color" | "color_scheme"
>;

/** A segment or company as the audience pickers list it (companies carry their person_count). */
export type AudienceChoice = Pick<Schemas["Segment"], "id" | "name"> & Partial<Pick<Schemas["Company"], "person_count">>;

/** An SFTP server as GET /api/sftp/connections/ lists it (a plain list, not paged). */
export type SftpConnection = Schemas["SftpConnection"];

/** A flow and its Existing Flow entries, as GET /api/flows/entries/?type=existing_flow lists them (a
 * plain list). */
export type FlowEntries = Schemas["FlowEntries"];

/** A channel as GET /api/channels/ lists it: a gateway account of one kind and its own numbers or
 * addresses ("identities", the seed's recipients). Hand-written: read defensively from any body
 * (readChannels), and `active` is not in the schema's ChannelSummary. */
export interface ChannelInfo {
  id: number;
  kind: string;
  name: string;
  identities: string[];
  /** Absent means active. */
  active?: boolean;
}

/** The channels in a list or a page of them; entries without a kind or name are skipped. */
export function readChannels(body: unknown): ChannelInfo[] {
  const items: unknown[] = Array.isArray(body) ? body : isObject(body) && Array.isArray(body.results) ? body.results : [];
  return items.filter(isObject).flatMap((item) =>
    typeof item.kind === "string" && typeof item.name === "string"
      ? [
          {
            id: typeof item.id === "number" ? item.id : 0,
            kind: item.kind,
            name: item.name,
            identities: Array.isArray(item.identities)
              ? item.identities.filter((identity): identity is string => typeof identity === "string")
              : [],
            ...(typeof item.active === "boolean" ? { active: item.active } : {}),
          },
        ]
      : [],
  );
}

/** The issues in a refused publish's body, if it has any. */
export function issuesIn(body: unknown): Issue[] | null {
  return isObject(body) && Array.isArray(body.issues) ? (body.issues as Issue[]) : null;
}
