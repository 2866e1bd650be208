import { describe, expect, it } from "vitest";
import { contactProblem, delimiterProblem, filesShown, isNamedDelimiter, readSftpImport, sftpImportSummary } from "./config";

const stored = {
  connection: 3,
  path: "/outbox",
  pattern: "J???Data.csv",
  delimiter: ";",
  contact: { phone: "Mobile", email: "" },
  attributes: [{ column: "City", attribute: "city" }],
  variables: [{ column: "Order", variable: "order" }, "junk"],
};

describe("SFTP import", () => {
  it("reads the config, skipping malformed rows", () => {
    expect(readSftpImport(stored)).toEqual({
      connection: 3,
      path: "/outbox",
      pattern: "J???Data.csv",
      delimiter: ";",
      contact: { phone: "Mobile", email: "" },
      attributes: [{ column: "City", attribute: "city" }],
      variables: [{ column: "Order", variable: "order" }],
    });
    expect(readSftpImport({}).connection).toBeNull();
  });

  it("takes the named delimiters, tab, or one character of one's own", () => {
    expect(isNamedDelimiter("tab")).toBe(true);
    expect(isNamedDelimiter("#")).toBe(false);
    expect(delimiterProblem("tab")).toBeNull();
    expect(delimiterProblem("#")).toBeNull();
    expect(delimiterProblem("")).toMatch(/one character/);
    expect(delimiterProblem("ab")).toMatch(/one character/);
  });

  it("needs a phone or an email column", () => {
    expect(contactProblem({ phone: "", email: " " })).toMatch(/at least one contact column/);
    expect(contactProblem({ phone: "", email: "Email" })).toBeNull();
  });

  it("shows the files fetched as one path", () => {
    expect(filesShown("/outbox", "*.csv")).toBe("/outbox/*.csv");
    expect(filesShown("/outbox/", "*.csv")).toBe("/outbox/*.csv");
    expect(filesShown("", "")).toBe("/");
  });

  it("summarises files, contact columns and other mappings on the node", () => {
    expect(sftpImportSummary(readSftpImport(stored))).toEqual([
      "/outbox/J???Data.csv · “;”",
      "Contact phone: Mobile",
      "Also 1 attribute and 1 variable",
    ]);
    expect(sftpImportSummary(readSftpImport({ path: "/in", delimiter: "tab" }))).toEqual([
      "/in · tab",
      "No contact column yet",
    ]);
  });
});
