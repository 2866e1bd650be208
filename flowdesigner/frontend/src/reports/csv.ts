/**
 * CSV of a chart's table, made in the browser. Formula-safe like the people export (people/exports.py):
 * a cell a spreadsheet would run as a formula gets a leading quote; a plain number ("-5", "+32470…") stays.
 */

import type { TableData } from "./types";

const FORMULA_START = ["=", "+", "-", "@", "\t", "\r"];
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** One cell: formula-safe, then quoted when it holds a comma, a quote or a line break. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? "" : String(value);
  if (FORMULA_START.some((start) => text.startsWith(start)) && !PLAIN_NUMBER.test(text)) {
    text = `'${text}`;
  }
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole table, header first, lines ended by CRLF (RFC 4180). */
export function toCsv(table: TableData): string {
  return [table.columns, ...table.rows].map((row) => row.map(csvCell).join(",") + "\r\n").join("");
}

/** A file name from a title: "Answers: Coming on Friday?" -> "answers-coming-on-friday.csv". */
export function csvFileName(title: string): string {
  const slug = title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80);
  return `${slug || "table"}.csv`;
}

/** Let the browser save the table as a CSV file (with a BOM so spreadsheets read UTF-8). */
export function downloadCsv(title: string, table: TableData): void {
  const blob = new Blob(["\ufeff", toCsv(table)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = csvFileName(title);
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: some browsers start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
