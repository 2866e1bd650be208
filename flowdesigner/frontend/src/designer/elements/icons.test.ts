import { describe, expect, it } from "vitest";
import { ELEMENT_ICONS, elementIcon } from "./icons";
import { ELEMENT_MODULES } from "./index";

describe("element icons", () => {
  it("gives every element type its own icon", () => {
    const types = ELEMENT_MODULES.map((element) => element.type);
    expect(types.filter((type) => !(type in ELEMENT_ICONS))).toEqual([]);
    const icons = types.map(elementIcon);
    expect(new Set(icons).size).toBe(icons.length);
  });

  it("uses no emoji (they need an emoji font) and has a fallback for unknown types", () => {
    for (const icon of Object.values(ELEMENT_ICONS)) {
      expect(icon).not.toMatch(/\p{Emoji_Presentation}/u);
    }
    expect(elementIcon("from_the_future")).toBe("\u25C7");
  });
});
