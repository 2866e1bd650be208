/**
 * What pressing a button with a given action does in the inbox. Every kind records the answer; links are
 * followed as well, and a confirm counts only after "Yes".
 */
export type ButtonBehaviour =
  | { kind: "answer" }
  | { kind: "confirm"; text: string }
  | { kind: "link"; href: string; newTab: boolean };

/** A dialable number, with the separators people write: "+32 (9) 324-25.64". */
const PHONE = /^\+?[0-9 ()./*#,;-]*[0-9][0-9 ()./*#,;-]*$/;
const SEPARATORS = /[ ()./-]/g;
const COORDINATE = /^[-+]?\d+(\.\d+)?$/;

export function buttonBehaviour(action: string): ButtonBehaviour {
  if (action.startsWith("tel://")) {
    const number = action.slice("tel://".length).trim();
    return PHONE.test(number)
      ? { kind: "link", href: `tel:${number.replace(SEPARATORS, "")}`, newTab: false }
      : { kind: "answer" };
  }
  if (action.startsWith("confirm://")) {
    return { kind: "confirm", text: action.slice("confirm://".length) };
  }
  if (action.startsWith("geo://")) {
    const href = mapUrl(action.slice("geo://".length));
    return href ? { kind: "link", href, newTab: true } : { kind: "answer" };
  }
  if (/^https?:\/\//.test(action)) {
    const href = webUrl(action);
    return href ? { kind: "link", href, newTab: true } : { kind: "answer" };
  }
  if (action.startsWith("mailto:")) {
    const address = action.slice("mailto:".length);
    return address.includes("@") ? { kind: "link", href: action, newTab: false } : { kind: "answer" };
  }
  // No action, or one the server should have refused: a plain answer, never a link we cannot vouch for.
  return { kind: "answer" };
}

/** The OpenStreetMap page centred on "lat,lng", or null when those are not coordinates. */
export function mapUrl(coordinates: string): string | null {
  const [lat = "", lng = "", ...rest] = coordinates.split(",").map((part) => part.trim());
  if (rest.length > 0 || !COORDINATE.test(lat) || !COORDINATE.test(lng)) {
    return null;
  }
  if (Math.abs(Number(lat)) > 90 || Math.abs(Number(lng)) > 180) {
    return null;
  }
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=16/${lat}/${lng}`;
}

/** `text` as an http(s) URL (relative ones resolved against `base`), or null. */
export function webUrl(text: string, base?: string): string | null {
  try {
    const url = new URL(text, base);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}
