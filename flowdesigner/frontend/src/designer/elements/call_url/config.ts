import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = (typeof METHODS)[number];
export const BODY_TYPES = ["none", "json", "form"] as const;
export type BodyType = (typeof BODY_TYPES)[number];
export const BODY_TYPE_LABELS: Record<BodyType, string> = { none: "No body", json: "JSON", form: "Form fields" };

export const MAX_TIMEOUT = 30;
export const MAX_RETRIES = 5;

export interface Pair {
  name: string;
  value: string;
}

export interface SavedPath {
  path: string;
  variable: string;
}

export interface CallUrlConfig {
  method: Method;
  url: string;
  headers: Pair[];
  body_type: BodyType;
  body: string;
  form: Pair[];
  timeout_seconds: number;
  retries: number;
  status_variable: string;
  save: SavedPath[];
}

const pairs = (value: unknown): Pair[] =>
  Array.isArray(value) ? value.filter(isObject).map((item) => ({ name: str(item.name), value: str(item.value) })) : [];

const finite = (value: unknown, fallback: number): number =>
  typeof value === "number" && Number.isFinite(value) ? value : fallback;

/** Every key with the engine's fallbacks for missing ones (no body, 10 s, no retries). */
export function readCallUrl(config: JsonObject): CallUrlConfig {
  const save = Array.isArray(config.save) ? config.save : [];
  return {
    method: METHODS.includes(config.method as Method) ? (config.method as Method) : "GET",
    url: str(config.url),
    headers: pairs(config.headers),
    body_type: BODY_TYPES.includes(config.body_type as BodyType) ? (config.body_type as BodyType) : "none",
    body: str(config.body),
    form: pairs(config.form),
    timeout_seconds: finite(config.timeout_seconds, 10),
    retries: finite(config.retries, 0),
    status_variable: str(config.status_variable),
    save: save.filter(isObject).map((item) => ({ path: str(item.path), variable: str(item.variable) })),
  };
}

export const SUCCESS_EXIT = "success";
export const FAILURE_EXIT = "failure";

export const callUrlExits = (): Exit[] => [
  { name: SUCCESS_EXIT, label: "success" },
  { name: FAILURE_EXIT, label: "failure" },
];

const SHOWN_URL = 40;

/** "POST https://api.example.com/orders", or for a long URL its host: "POST https://api.example.com/…". */
export function callSummary({ method, url }: Pick<CallUrlConfig, "method" | "url">): string {
  const trimmed = url.trim();
  if (!trimmed || trimmed === "https://" || trimmed === "http://") {
    return "";
  }
  const origin = /^https?:\/\/[^/?#]+/i.exec(trimmed)?.[0];
  let shown = trimmed;
  if (trimmed.length > SHOWN_URL) {
    shown = origin && origin.length < SHOWN_URL ? `${origin}/…` : `${trimmed.slice(0, SHOWN_URL - 1)}…`;
  }
  return `${method} ${shown}`;
}

/** "Saves status → code, $.id → order_id", or "". */
export function callSavesSummary({ status_variable, save }: Pick<CallUrlConfig, "status_variable" | "save">): string {
  const parts = save.filter((item) => item.path && item.variable).map((item) => `${item.path} → ${item.variable}`);
  if (status_variable) {
    parts.unshift(`status → ${status_variable}`);
  }
  return parts.length > 0 ? `Saves ${parts.join(", ")}` : "";
}

const PATH_PART = /^(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\["([^"]*)"\])/;

/** Whether `path` is a JSON path the engine can follow: "$", "$.data.items[0].name", '$["a b"]'. */
export function isJsonPath(path: string): boolean {
  if (!path.startsWith("$")) {
    return false;
  }
  let rest = path.slice(1);
  while (rest) {
    const match = PATH_PART.exec(rest);
    if (!match) {
      return false;
    }
    rest = rest.slice(match[0].length);
  }
  return true;
}

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
const RESERVED_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection"]);

/** Why a header name cannot be sent (as the engine will say), or null. */
export function headerNameProblem(name: string): string | null {
  if (!HEADER_NAME.test(name)) {
    return "Letters, digits and - (no spaces), up to 100.";
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    return `${name} is set by the transport itself.`;
  }
  return null;
}

/** A hint when a JSON body will not be JSON once rendered: template tags stand in for plain values. */
export function jsonBodyProblem(body: string): string | null {
  if (!body.trim()) {
    return "The body is empty, which is not JSON.";
  }
  const filled = body.replace(/\{\{[\s\S]*?\}\}/g, "0").replace(/\{%[\s\S]*?%\}/g, "").replace(/\{#[\s\S]*?#\}/g, "");
  try {
    JSON.parse(filled);
    return null;
  } catch {
    return "This does not look like JSON (with {{ … }} read as a value).";
  }
}

/** Why the URL cannot be called, when that is plain to see; templated URLs are checked by the server. */
export function urlProblem(url: string): string | null {
  const trimmed = url.trim();
  if (trimmed.includes("{")) {
    return null;
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return "Write an http:// or https:// address with a host name.";
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
    return "Write an http:// or https:// address with a host name.";
  }
  return null;
}
