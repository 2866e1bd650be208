import { errorMessage, isObject } from "../shared/http";

/** Why an export was refused: the server's summary and one line per element it could not export. */
export interface ExportRefusal {
  detail: string;
  errors: string[];
}

export type ExportResult = { ok: true; blob: Blob; filename: string } | { ok: false; refusal: ExportRefusal };

/** The file name in a Content-Disposition header (`attachment; filename="x.xml"`), or `fallback`. */
export function filenameFrom(contentDisposition: string | null, fallback: string): string {
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(contentDisposition ?? "");
  if (!match?.[1]) {
    return fallback;
  }
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

/** What a refused export's body says, whatever shape it has. */
export function exportRefusal(body: unknown, status: number, statusText: string): ExportRefusal {
  const errors =
    isObject(body) && Array.isArray(body.errors)
      ? body.errors.filter((item): item is string => typeof item === "string")
      : [];
  return { detail: errorMessage(body, status, statusText), errors };
}

/** Fetches the flow's Rogerthat XML. */
export async function fetchExport(url: string, fallbackName: string): Promise<ExportResult> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/xml, application/json" } });
  } catch {
    return { ok: false, refusal: { detail: "Could not reach the server. Check your connection and try again.", errors: [] } };
  }
  if (response.ok) {
    return {
      ok: true,
      blob: await response.blob(),
      filename: filenameFrom(response.headers.get("Content-Disposition"), fallbackName),
    };
  }
  const type = response.headers.get("Content-Type") ?? "";
  const body: unknown = type.includes("json") ? await response.json() : await response.text();
  return { ok: false, refusal: exportRefusal(body, response.status, response.statusText) };
}

/** Hands a blob to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by now; the URL is not needed any more.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
