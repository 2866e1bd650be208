import type { JsonObject } from "../../types";

export interface EmailResults {
  emails: string[];
  email_admins: boolean;
}

export function readEmailResults(config: JsonObject): EmailResults {
  const emails = Array.isArray(config.emails) ? config.emails : [];
  return {
    emails: emails.filter((email): email is string => typeof email === "string"),
    email_admins: config.email_admins === true,
  };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Why `email` is not an address to send to, or null. A hint; the server validates. */
export function emailProblem(email: string): string | null {
  if (!email.trim()) {
    return "Enter an address, or remove this row.";
  }
  return EMAIL.test(email.trim()) ? null : "This is not an email address.";
}

export function emailResultsSummary({ emails, email_admins }: EmailResults): string {
  const parts = emails.filter((email) => email.trim());
  if (email_admins) {
    parts.push("the flow’s admins");
  }
  return parts.join(", ");
}
