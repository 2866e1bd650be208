import { describe, expect, it } from "vitest";
import { actionProblem, formatAction, parseAction, switchKind, type ActionFields } from "./actions";

const f = (kind: ActionFields["kind"], value = "", lat = "", lng = ""): ActionFields => ({ kind, value, lat, lng });

describe("action string ⇄ editor fields", () => {
  // [action string, its fields, what the editor hints (null: acceptable)]
  const table: Array<[string, ActionFields, RegExp | null]> = [
    ["", f("none"), null],
    ["tel://+3293242564", f("tel", "+3293242564"), null],
    ["tel://+32 9 324 25 64", f("tel", "+32 9 324 25 64"), null],
    ["tel://", f("tel", ""), /phone number/],
    ["tel://call me", f("tel", "call me"), /phone number/],
    ["confirm://Are you sure?", f("confirm", "Are you sure?"), null],
    ["confirm://Sure, really, 100%?", f("confirm", "Sure, really, 100%?"), null],
    ["confirm://  ", f("confirm", "  "), /question/],
    ["geo://51.0543,3.7174", f("geo", "", "51.0543", "3.7174"), null],
    ["geo://-33.86,151.2", f("geo", "", "-33.86", "151.2"), null],
    ["geo://91,3", f("geo", "", "91", "3"), /latitude/],
    ["geo://51,181", f("geo", "", "51", "181"), /longitude/],
    ["geo://51,", f("geo", "", "51", ""), /longitude/],
    ["geo://abc,3", f("geo", "", "abc", "3"), /latitude/],
    ["https://example.org/path?q=1", f("web", "https://example.org/path?q=1"), null],
    ["http://example.org", f("web", "http://example.org"), null],
    ["https://", f("web", "https://"), /web address/],
    ["mailto:info@example.org", f("email", "info@example.org"), null],
    ["mailto:nobody", f("email", "nobody"), /email address/],
    ["ftp://example.org/file", f("other", "ftp://example.org/file"), /Not a supported action/],
    ["javascript:alert(1)", f("other", "javascript:alert(1)"), /Not a supported action/],
    ["TEL://123", f("other", "TEL://123"), /Not a supported action/],
  ];

  it.each(table)("parses %j", (action, fields) => {
    expect(parseAction(action)).toEqual(fields);
  });

  it.each(table)("formats the fields of %j back to the same string", (action, fields) => {
    expect(formatAction(fields)).toBe(action);
  });

  it.each(table)("hints on %j", (action, _fields, problem) => {
    if (problem === null) {
      expect(actionProblem(action)).toBeNull();
    } else {
      expect(actionProblem(action)).toMatch(problem);
    }
  });

  it("stores a web address as typed, and hints when it lacks its scheme", () => {
    expect(formatAction(f("web", "example.org"))).toBe("example.org");
    expect(actionProblem("example.org")).toMatch(/Not a supported action/);
  });

  it("keeps typing in a kind's input inside that kind (a web address once its scheme is typed)", () => {
    for (const kind of ["tel", "confirm", "email"] as const) {
      for (const typed of ["", "x", "a,b", "//", "https://x"]) {
        expect(parseAction(formatAction(f(kind, typed))).kind).toBe(kind);
      }
    }
    expect(parseAction(formatAction(f("web", "https://x"))).kind).toBe("web");
    expect(parseAction(formatAction(f("geo", "", "1,5", ""))).kind).toBe("geo");
  });

  it("starts a newly picked kind empty, with the web scheme filled in", () => {
    const current = parseAction("tel://123");
    expect(switchKind(current, "none")).toBe("");
    expect(switchKind(current, "confirm")).toBe("confirm://");
    expect(switchKind(current, "web")).toBe("https://");
    expect(switchKind(current, "email")).toBe("mailto:");
    expect(parseAction(switchKind(current, "geo"))).toEqual(f("geo", "", "", ""));
    expect(switchKind(current, "tel")).toBe("tel://123");
  });
});
