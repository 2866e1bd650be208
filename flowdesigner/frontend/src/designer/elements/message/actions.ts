/**
 * A button's action string (what the flow document stores) and the editor fields it is edited with.
 *
 *   ""                    none
 *   "tel://<number>"      dial
 *   "confirm://<text>"    confirmation popup before the answer counts
 *   "geo://<lat>,<lng>"   open a map
 *   "http(s)://..."       open a web page (the value is the whole URL)
 *   "mailto:<address>"    write an email
 *
 * Anything else is kept as it is ("other"), so an imported or hand-written action is never lost; the
 * editor shows it with a hint and the server's validation reports it. A web address being typed is such
 * a string until it starts with http(s)://; the editor keeps showing it as a web page meanwhile.
 */

export type ActionKind = "none" | "tel" | "confirm" | "geo" | "web" | "email" | "other";

export interface ActionFields {
  kind: ActionKind;
  /** The number, confirmation text, URL, address, or the raw string of an "other" action. */
  value: string;
  /** Only for "geo". */
  lat: string;
  lng: string;
}

export const ACTION_LABELS: ReadonlyArray<[Exclude<ActionKind, "other">, string]> = [
  ["none", "None"],
  ["tel", "Dial"],
  ["confirm", "Confirm"],
  ["geo", "Map"],
  ["web", "Web page"],
  ["email", "Email"],
];

const PREFIXES: ReadonlyArray<[ActionKind, string]> = [
  ["tel", "tel://"],
  ["confirm", "confirm://"],
  ["geo", "geo://"],
  ["email", "mailto:"],
];

const WEB = /^https?:\/\//;

function fields(kind: ActionKind, value = "", lat = "", lng = ""): ActionFields {
  return { kind, value, lat, lng };
}

export function parseAction(action: string): ActionFields {
  if (action === "") {
    return fields("none");
  }
  if (WEB.test(action)) {
    return fields("web", action);
  }
  for (const [kind, prefix] of PREFIXES) {
    if (action.startsWith(prefix)) {
      const rest = action.slice(prefix.length);
      if (kind === "geo") {
        const comma = rest.indexOf(",");
        return comma === -1
          ? fields("geo", "", rest, "")
          : fields("geo", "", rest.slice(0, comma), rest.slice(comma + 1));
      }
      return fields(kind, rest);
    }
  }
  return fields("other", action);
}

export function formatAction({ kind, value, lat, lng }: ActionFields): string {
  switch (kind) {
    case "none":
      return "";
    case "tel":
      return `tel://${value}`;
    case "confirm":
      return `confirm://${value}`;
    case "geo":
      return `geo://${lat},${lng}`;
    case "email":
      return `mailto:${value}`;
    case "web":
      // The scheme is part of the value, stored as typed: rewriting it here would move the caret.
      return value;
    case "other":
      return value;
  }
}

/** The action a newly picked kind starts from, keeping what can be kept of the old one. */
export function switchKind(current: ActionFields, kind: ActionKind): string {
  if (kind === current.kind) {
    return formatAction(current);
  }
  if (kind === "web") {
    return "https://";
  }
  if (kind === "geo") {
    return "geo://,";
  }
  return formatAction(fields(kind));
}

const PHONE = /^\+?[0-9][0-9 ()./-]*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function coordinateProblem(text: string, limit: number, name: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "") {
    return `Enter the ${name}.`;
  }
  const number = Number(trimmed);
  if (!/^[-+]?\d+(\.\d+)?$/.test(trimmed) || Math.abs(number) > limit) {
    return `The ${name} is a number from -${limit} to ${limit}.`;
  }
  return null;
}

/**
 * Why `action` would be refused, or null. A hint while editing: the server's validation decides.
 */
export function actionProblem(action: string): string | null {
  const { kind, value, lat, lng } = parseAction(action);
  switch (kind) {
    case "none":
      return null;
    case "tel":
      return PHONE.test(value) ? null : "Enter a phone number, such as +32 9 324 25 64.";
    case "confirm":
      return value.trim() ? null : "Enter the question to confirm.";
    case "geo":
      return coordinateProblem(lat, 90, "latitude") ?? coordinateProblem(lng, 180, "longitude");
    case "web":
      return isWebUrl(value) ? null : "Enter a web address, such as https://example.org/.";
    case "email":
      return EMAIL.test(value) ? null : "Enter an email address.";
    case "other":
      return "Not a supported action: use dial, confirm, map, web page or email.";
  }
}

function isWebUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
