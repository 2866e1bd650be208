/**
 * Message texts are Jinja templates ("Hi {{ person.first_name }}"). On the canvas the template code is
 * hard to read, so each `{{ … }}` is shown as a chip naming what it stands for ("Hi [First name]").
 * Pure parsing here; components/TemplateText.tsx draws the parts.
 */

export type TemplatePart =
  | { kind: "text"; text: string }
  /** `label` is what the chip says, `source` the template code it stands for (shown on hover). */
  | { kind: "variable"; label: string; source: string };

/** Standard person attributes whose readable name is not just the key with spaces (engine/core). */
const PERSON_LABELS: Readonly<Record<string, string>> = {
  id: "Person ID",
  external_id: "External ID",
  email: "Email",
  opt_in: "Opted in",
};

const EXPRESSION = /\{\{-?([\s\S]*?)-?\}\}/g;
/** A dotted name, optionally with one filter: `person.first_name|default("friend")`. */
const SIMPLE = /^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*(?:\|\s*([A-Za-z_]+)\s*(?:\((.*)\))?)?$/s;
const QUOTED = /^\s*(["'])(.*)\1\s*$/s;

/** "first_name" → "First name". */
function humanise(key: string): string {
  const words = key.replace(/_+/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : key;
}

/** What a variable path is called for a marketer: `person.first_name` → "First name",
 * `variables.city` → "City"; other paths keep their last part, humanised. */
export function variableLabel(path: string): string {
  const [scope, ...rest] = path.split(".");
  const key = rest.join(".");
  if (scope === "person" && key) {
    return PERSON_LABELS[key] ?? humanise(key);
  }
  if (scope === "variables" && key) {
    return humanise(key);
  }
  return humanise(path.split(".").at(-1) ?? path);
}

/** The chip's text for the inside of one `{{ … }}`. A fallback given with `default` is named too;
 * anything more complex than a name with one filter is shown as it is written. */
export function expressionLabel(expression: string): string {
  const code = expression.trim();
  const match = SIMPLE.exec(code);
  if (!match) {
    return code;
  }
  const [, path = "", filter, args] = match;
  const label = variableLabel(path);
  if (filter === "default" && args !== undefined) {
    const fallback = QUOTED.exec(args.split(",")[0] ?? "");
    return fallback ? `${label} or “${fallback[2]}”` : label;
  }
  return label;
}

/** The text split into plain runs and variable chips, in order. An unclosed `{{` stays plain text. */
export function templateParts(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(EXPRESSION)) {
    const start = match.index;
    if (start > last) {
      parts.push({ kind: "text", text: text.slice(last, start) });
    }
    const inside = match[1] ?? "";
    parts.push(
      inside.trim()
        ? { kind: "variable", label: expressionLabel(inside), source: match[0] }
        : { kind: "text", text: match[0] },
    );
    last = start + match[0].length;
  }
  if (last < text.length) {
    parts.push({ kind: "text", text: text.slice(last) });
  }
  return parts;
}

/** Whether the text has any template expression (a plain text needs no chips). */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}
