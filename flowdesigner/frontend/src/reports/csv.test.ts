import { describe, expect, it } from "vitest";
import { csvCell, csvFileName, toCsv } from "./csv";

describe("csvCell", () => {
  it.each([
    ["=SUM(A1:A2)", "'=SUM(A1:A2)"],
    ["+cmd", "'+cmd"],
    ["-2+3", "'-2+3"],
    ["@A1", "'@A1"],
    ["\tx", "'\tx"],
    ["\rx", "\"'\rx\""],
    ["plain", "plain"],
    ["a=b", "a=b"],
  ])("makes %j safe: %j", (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it("leaves plain numbers alone, signed ones included", () => {
    expect([csvCell(-5), csvCell("-5"), csvCell("+32470123456"), csvCell(2.5), csvCell(0)]).toEqual([
      "-5",
      "-5",
      "+32470123456",
      "2.5",
      "0",
    ]);
  });

  it("quotes commas, quotes and line breaks", () => {
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
  });

  it("writes nothing for a missing value", () => {
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
  });
});

describe("toCsv", () => {
  it("writes the header and every row with CRLF", () => {
    const csv = toCsv({ columns: ["Button", "Answers"], rows: [["Yes", 3], ["=1+1", 0]] });
    expect(csv).toBe("Button,Answers\r\nYes,3\r\n'=1+1,0\r\n");
  });
});

describe("csvFileName", () => {
  it("makes a file name of a title", () => {
    expect(csvFileName("Answers: Coming on Friday?")).toBe("answers-coming-on-friday.csv");
    expect(csvFileName("???")).toBe("table.csv");
  });
});
