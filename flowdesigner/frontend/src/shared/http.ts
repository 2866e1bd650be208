/** Same-origin JSON requests with Django's session auth and CSRF header. */

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

/**
 * The message a user should read for an error response: DRF's `detail`, or the field errors one per
 * line ("definition: Nodes must be a list."), or the HTTP status when the body says nothing.
 */
export function errorMessage(body: unknown, status: number, statusText: string): string {
  if (isObject(body) && typeof body.detail === "string") {
    return body.detail;
  }
  // A text body (a proxy's or a debug HTML page) is not for users; structured errors are.
  const lines = isObject(body) || Array.isArray(body) ? fieldErrorLines(body, "") : [];
  return lines.length > 0 ? lines.join("\n") : `Request failed: HTTP ${status} ${statusText}`.trim();
}

function fieldErrorLines(value: unknown, path: string): string[] {
  if (typeof value === "string") {
    return [path ? `${path}: ${value}` : value];
  }
  if (Array.isArray(value)) {
    const strings = value.filter((item): item is string => typeof item === "string");
    const nested = value.flatMap((item, index) =>
      typeof item === "string" ? [] : fieldErrorLines(item, `${path}[${index}]`),
    );
    const own = strings.length > 0 ? [path ? `${path}: ${strings.join(" ")}` : strings.join(" ")] : [];
    return [...own, ...nested];
  }
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, item]) => {
      const isGeneral = key === "non_field_errors" || key === "detail";
      return fieldErrorLines(item, isGeneral ? path : path ? `${path}.${key}` : key);
    });
  }
  return [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface RequestOptions {
  signal?: AbortSignal;
}

/** A request body already serialised as JSON (sent as is, not stringified again). */
export class JsonText {
  constructor(readonly text: string) {}
}

export interface JsonClient {
  get<T>(url: string, options?: RequestOptions): Promise<T>;
  post<T>(url: string, body: unknown, options?: RequestOptions): Promise<T>;
  put<T>(url: string, body: unknown, options?: RequestOptions): Promise<T>;
  /** A multipart POST (a file upload); the browser sets the Content-Type with its boundary. */
  postForm<T>(url: string, body: FormData, options?: RequestOptions): Promise<T>;
}

export function jsonClient(csrfToken: string): JsonClient {
  async function request<T>(method: string, url: string, body: unknown, options: RequestOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const multipart = body instanceof FormData;
    if (method !== "GET") {
      if (!multipart) {
        headers["Content-Type"] = "application/json";
      }
      headers["X-CSRFToken"] = csrfToken;
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: method === "GET" ? undefined : multipart ? body : body instanceof JsonText ? body.text : JSON.stringify(body),
        signal: options.signal,
      });
    } catch (error) {
      if (isAbort(error)) {
        throw error;
      }
      throw new ApiError(0, null, "Could not reach the server. Check your connection and try again.");
    }
    const payload = await readBody(response);
    if (!response.ok) {
      throw new ApiError(response.status, payload, errorMessage(payload, response.status, response.statusText));
    }
    return payload as T;
  }

  return {
    get: (url, options = {}) => request("GET", url, undefined, options),
    post: (url, body, options = {}) => request("POST", url, body, options),
    put: (url, body, options = {}) => request("PUT", url, body, options),
    postForm: (url, body, options = {}) => request("POST", url, body, options),
  };
}

async function readBody(response: Response): Promise<unknown> {
  const type = response.headers.get("Content-Type") ?? "";
  if (type.includes("json")) {
    return response.json();
  }
  return response.text();
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/** The text to show for any thrown value. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
