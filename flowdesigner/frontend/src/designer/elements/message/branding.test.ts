import { describe, expect, it } from "vitest";
import type { BrandingInfo } from "../../api";
import { brandingChoices } from "./branding";

const party: BrandingInfo = {
  key: "party",
  name: "Party night",
  background_color: "#102030",
  text_color: "#ffffff",
  color_scheme: "dark",
};

describe("brandingChoices", () => {
  it("offers no branding and every package by name", () => {
    expect(brandingChoices([party], null)).toEqual([
      { value: "", label: "No branding" },
      { value: "party", label: "Party night" },
    ]);
  });

  it("keeps a stored key that no package has", () => {
    expect(brandingChoices([party], "gone")).toEqual([
      { value: "", label: "No branding" },
      { value: "party", label: "Party night" },
      { value: "gone", label: "gone (unknown)" },
    ]);
  });

  it("does not repeat a known key", () => {
    expect(brandingChoices([party], "party")).toHaveLength(2);
  });
});
