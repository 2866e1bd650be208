/** The latest answers of a listed form widget (text, location, photo): how to show and export them. */

import type { Answer, TableData } from "./types";

export interface Location {
  latitude: number;
  longitude: number;
}

export interface Photo {
  url: string;
  name: string;
}

export function asLocation(value: unknown): Location | null {
  if (value && typeof value === "object") {
    const { latitude, longitude } = value as Record<string, unknown>;
    if (typeof latitude === "number" && typeof longitude === "number") {
      return { latitude, longitude };
    }
  }
  return null;
}

export function asPhoto(value: unknown): Photo | null {
  if (value && typeof value === "object") {
    const { url, name } = value as Record<string, unknown>;
    // Only a same-site path or http(s) URL becomes an <img>/<a> (never javascript: or data:).
    if (typeof url === "string" && (/^https?:\/\//i.test(url) || /^\/(?!\/)/.test(url))) {
      return { url, name: typeof name === "string" ? name : "" };
    }
  }
  return null;
}

/** The OpenStreetMap page centred on a location, with a marker. */
export function mapUrl({ latitude, longitude }: Location): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
}

/** "2026-12-01 06:00 UTC" for an ISO time; the text itself when unreadable. */
export function formatUtc(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The answers as a table: who, when, and the answer as the results show it (a photo's URL). */
export function answersTable(answers: Answer[]): TableData {
  return {
    columns: ["Participant", "Person", "Answered at (UTC)", "Answer"],
    rows: answers.map((a) => [
      String(a.participant),
      a.person?.name ?? "(deleted)",
      formatUtc(a.at).replace(" UTC", ""),
      asPhoto(a.value)?.url ?? a.display,
    ]),
  };
}
