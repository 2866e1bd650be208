import { describe, expect, it } from "vitest";
import { expressionLabel, templateParts, variableLabel } from "./templateChips";

describe("templateParts", () => {
  it("turns each {{ … }} into a chip naming the variable", () => {
    expect(templateParts("Hi {{ person.first_name }}, welcome!")).toEqual([
      { kind: "text", text: "Hi " },
      { kind: "variable", label: "First name", source: "{{ person.first_name }}" },
      { kind: "text", text: ", welcome!" },
    ]);
  });

  it("handles several chips, no spaces, whitespace control and text without any", () => {
    const labels = templateParts("{{person.last_name}}{{- variables.city -}}").map((part) =>
      part.kind === "variable" ? part.label : part.text,
    );
    expect(labels).toEqual(["Last name", "City"]);
    expect(templateParts("Plain text")).toEqual([{ kind: "text", text: "Plain text" }]);
    expect(templateParts("")).toEqual([]);
  });

  it("leaves an unclosed or empty expression as text", () => {
    expect(templateParts("Price {{ total")).toEqual([{ kind: "text", text: "Price {{ total" }]);
    expect(templateParts("a {{ }} b")).toEqual([
      { kind: "text", text: "a " },
      { kind: "text", text: "{{ }}" },
      { kind: "text", text: " b" },
    ]);
  });
});

describe("expressionLabel", () => {
  it("names a fallback given with default", () => {
    expect(expressionLabel(' person.first_name|default("friend") ')).toBe("First name or “friend”");
    expect(expressionLabel("person.first_name | default('you', true)")).toBe("First name or “you”");
  });

  it("keeps the name for other filters and shows complex code as written", () => {
    expect(expressionLabel("variables.city|title")).toBe("City");
    expect(expressionLabel(" variables.score + 1 ")).toBe("variables.score + 1");
  });
});

describe("variableLabel", () => {
  it("reads person attributes, flow variables and other names", () => {
    expect(variableLabel("person.first_name")).toBe("First name");
    expect(variableLabel("person.id")).toBe("Person ID");
    expect(variableLabel("person.birth_date")).toBe("Birth date");
    expect(variableLabel("variables.favourite_colour")).toBe("Favourite colour");
    expect(variableLabel("results.answer")).toBe("Answer");
  });
});
