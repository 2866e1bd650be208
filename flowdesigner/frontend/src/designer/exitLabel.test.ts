import { describe, expect, it } from "vitest";
import { exitLabel } from "./exitLabel";
import type { ElementData } from "./types";

const message = (buttons: { id: string; caption: string }[]): ElementData => ({
  type: "message",
  config: { text: "Coming?", buttons },
  extra: {},
  storedExits: [],
});

describe("exitLabel", () => {
  it("is the exit's label as the node lists it (a button's caption)", () => {
    const data = message([
      { id: "yes", caption: "Yes please" },
      { id: "no", caption: "No thanks" },
    ]);
    expect(exitLabel(data, "yes")).toBe("Yes please");
    expect(exitLabel(data, "no")).toBe("No thanks");
  });

  it("follows an edit: new data, new label", () => {
    const before = message([{ id: "yes", caption: "Yes" }]);
    expect(exitLabel(before, "yes")).toBe("Yes");
    const after = { ...before, config: { ...before.config, buttons: [{ id: "yes", caption: "Sure" }] } };
    expect(exitLabel(after, "yes")).toBe("Sure");
  });

  it("falls back to the exit name for an unknown exit, type or node", () => {
    expect(exitLabel(message([]), "gone")).toBe("gone");
    expect(exitLabel({ type: "future", config: {}, extra: {}, storedExits: ["a"] }, "a")).toBe("a");
    expect(exitLabel(undefined, "next")).toBe("next");
  });
});
