/**
 * SFTP Import (engine/core/elements/sftp_import.py): rows of CSV/TSV files fetched from a folder of an
 * SFTP server, each valid row a participant. `delimiter` is ",", ";", "|", "tab" or one other character.
 */
import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { str } from "../message/config";
import type { Exit } from "../types";

export const DELIMITERS = [",", ";", "|", "tab"] as const;
export const DELIMITER_LABELS: Record<(typeof DELIMITERS)[number], string> = {
  ",": ", (comma)",
  ";": "; (semicolon)",
  "|": "| (pipe)",
  tab: "Tab",
};

export interface AttributeColumn {
  column: string;
  attribute: string;
}

export interface VariableColumn {
  column: string;
  variable: string;
}

export interface SftpImportConfig {
  connection: number | null;
  path: string;
  pattern: string;
  delimiter: string;
  contact: { phone: string; email: string };
  attributes: AttributeColumn[];
  variables: VariableColumn[];
}

function rows(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export function readSftpImport(config: JsonObject): SftpImportConfig {
  const contact = isObject(config.contact) ? config.contact : {};
  return {
    connection: Number.isInteger(config.connection) ? (config.connection as number) : null,
    path: str(config.path),
    pattern: str(config.pattern),
    delimiter: typeof config.delimiter === "string" ? config.delimiter : ",",
    contact: { phone: str(contact.phone), email: str(contact.email) },
    attributes: rows(config.attributes).map((row) => ({ column: str(row.column), attribute: str(row.attribute) })),
    variables: rows(config.variables).map((row) => ({ column: str(row.column), variable: str(row.variable) })),
  };
}

/** Whether the delimiter is one of the named choices (else the marketer typed their own character). */
export function isNamedDelimiter(delimiter: string): delimiter is (typeof DELIMITERS)[number] {
  return (DELIMITERS as readonly string[]).includes(delimiter);
}

/** Why the delimiter cannot split a file (as the engine says), or null. */
export function delimiterProblem(delimiter: string): string | null {
  return delimiter === "tab" || [...delimiter].length === 1 ? null : "The delimiter is one character (or Tab).";
}

/** The files fetched, as one path: "/outbox/*.csv"; the folder alone when there is no pattern. */
export function filesShown(path: string, pattern: string): string {
  const folder = path.trim() || "/";
  if (!pattern.trim()) {
    return folder;
  }
  return `${folder.endsWith("/") ? folder : `${folder}/`}${pattern.trim()}`;
}

/** Why no row could be imported for want of a contact column, or null. */
export function contactProblem(contact: SftpImportConfig["contact"]): string | null {
  return contact.phone.trim() || contact.email.trim()
    ? null
    : "Map at least one contact column: a phone number or an email address.";
}

/** What the node says: the files, the contact columns, how many other columns are mapped. */
export function sftpImportSummary(config: SftpImportConfig): string[] {
  const contact = [
    config.contact.phone.trim() && `phone: ${config.contact.phone.trim()}`,
    config.contact.email.trim() && `email: ${config.contact.email.trim()}`,
  ].filter(Boolean);
  const mapped = [
    config.attributes.length > 0 && `${config.attributes.length} attribute${config.attributes.length === 1 ? "" : "s"}`,
    config.variables.length > 0 && `${config.variables.length} variable${config.variables.length === 1 ? "" : "s"}`,
  ].filter(Boolean);
  const delimiter = config.delimiter === "tab" ? "tab" : `“${config.delimiter}”`;
  return [
    `${filesShown(config.path, config.pattern)} · ${delimiter}`,
    contact.length > 0 ? `Contact ${contact.join(", ")}` : "No contact column yet",
    ...(mapped.length > 0 ? [`Also ${mapped.join(" and ")}`] : []),
  ];
}

export const sftpImportExits = (): Exit[] => [{ name: "next", label: "Next" }];
