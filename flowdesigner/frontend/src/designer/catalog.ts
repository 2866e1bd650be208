/**
 * What several editors and node summaries look up from the server (tags, the people operator table with
 * attributes and events), fetched once per page and shared, so a canvas of twenty nodes asks once.
 */
import { useEffect, useState } from "react";
import { describeError } from "../shared/http";
import type { OperatorTable } from "../segments/types";
import type { ChannelInfo, DesignerApi, FlowEntries, SftpConnection } from "./api";
import { useDesigner } from "./context";
import type { AttributeInfo, Tag } from "./types";

export type Loaded<T> = { status: "loading" } | { status: "loaded"; value: T } | { status: "failed"; error: string };

const caches = new WeakMap<object, Map<string, Promise<unknown>>>();

/** `load()` once per api and key; a failure is forgotten so the next editor that opens tries again. */
function cached<T>(api: DesignerApi, key: string, load: () => Promise<T>): Promise<T> {
  let cache = caches.get(api);
  if (!cache) {
    cache = new Map();
    caches.set(api, cache);
  }
  let promise = cache.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = load();
    cache.set(key, promise);
    promise.catch(() => cache.delete(key));
  }
  return promise;
}

function useCached<T>(key: string, load: (api: DesignerApi) => Promise<T>): Loaded<T> {
  const { api } = useDesigner();
  const [state, setState] = useState<Loaded<T>>({ status: "loading" });
  useEffect(() => {
    let live = true;
    cached(api, key, () => load(api)).then(
      (value) => live && setState({ status: "loaded", value }),
      (error: unknown) => live && setState({ status: "failed", error: describeError(error) }),
    );
    return () => {
      live = false;
    };
    // `load` belongs to `key` (each hook below passes its own), so the key stands for it.
  }, [api, key]);
  return state;
}

/** Every tag (for names in summaries). */
export function useTags(): Loaded<Tag[]> {
  return useCached("tags", (api) => api.tags());
}

/** The people operator table: operators per data type, attributes (standard and custom), events. */
export function useOperatorTable(): Loaded<OperatorTable> {
  return useCached("operators", (api) => api.segmentOperators());
}

export interface RuleChoices {
  table: OperatorTable;
  tags: Array<{ id: number; name: string }>;
  companies: Array<{ id: number; name: string }>;
  segments: Array<{ id: number; name: string }>;
}

/** What the segment rule builder needs to offer: the operator table and the tags, companies, segments. */
export function useRuleChoices(): Loaded<RuleChoices> {
  return useCached("rule-choices", async (api) => {
    const [table, tags, companies, segments] = await Promise.all([
      cached(api, "operators", () => api.segmentOperators()),
      cached(api, "tags", () => api.tags()),
      api.companies(),
      api.segments(),
    ]);
    return { table, tags, companies: companies.results, segments: segments.results };
  });
}

/** The SFTP servers an SFTP Import can fetch from. */
export function useSftpConnections(): Loaded<SftpConnection[]> {
  return useCached("sftp-connections", (api) => api.sftpConnections());
}

/** Other flows' Existing Flow entries, for "Add to flow" (its editor and the node's flow name). */
export function useExistingFlowEntries(): Loaded<FlowEntries[]> {
  return useCached("existing-flow-entries", (api) => api.existingFlowEntries());
}

/** Our SMS, email and voice channels with their identities (the recipients of inbound entries). */
export function useChannels(): Loaded<ChannelInfo[]> {
  return useCached("channels", (api) => api.channels());
}

/** The custom person attributes (the standard ones are known without asking). */
export function useAttributes(): Loaded<AttributeInfo[]> {
  return useCached("attributes", (api) => api.attributes());
}
