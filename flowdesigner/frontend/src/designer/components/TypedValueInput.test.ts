import { describe, expect, it } from "vitest";
import { typedText, typedValue } from "./TypedValueInput";

describe("typed values", () => {
  it("read what is typed as the JSON of its kind, empty as no value", () => {
    expect(typedValue("number", "12.5")).toBe(12.5);
    expect(typedValue("number", "")).toBeNull();
    expect(typedValue("boolean", "false")).toBe(false);
    expect(typedValue("days", "3")).toBe(3);
    expect(typedValue("date", "2030-01-31")).toBe("2030-01-31");
    expect(typedValue("text", "Gent")).toBe("Gent");
    expect(typedValue("list", "golf, tennis ,")).toEqual(["golf", "tennis"]);
    expect(typedValue("list", " ")).toBeNull();
  });

  it("show a stored value as the input's text", () => {
    expect(typedText("list", ["golf", "tennis"])).toBe("golf, tennis");
    expect(typedText("number", 3)).toBe("3");
    expect(typedText("text", undefined)).toBe("");
    // A date-time is kept as an instant; the input shows it in the browser's zone and reads it back the same.
    const instant = typedValue("datetime-local", "2030-01-31T09:30");
    expect(typedValue("datetime-local", typedText("datetime-local", instant))).toBe(instant);
  });
});
