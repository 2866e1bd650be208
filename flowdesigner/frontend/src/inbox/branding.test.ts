import { describe, expect, it } from "vitest";
import {
  brandingCardStyle,
  brandingFrameHeight,
  brandingFrameUrl,
  FRAME_MAX_HEIGHT,
  FRAME_MIN_HEIGHT,
} from "./branding";
import { readMessage } from "./messages";

describe("brandingFrameUrl", () => {
  it("points at the message inside its branding", () => {
    expect(brandingFrameUrl("party-night", 42)).toBe("/brandings/party-night/messages/42/");
  });

  it("escapes an odd key instead of leaving the path", () => {
    expect(brandingFrameUrl("../admin", 1)).toBe("/brandings/..%2Fadmin/messages/1/");
  });
});

describe("brandingFrameHeight", () => {
  it("gives a short text the minimum", () => {
    expect(brandingFrameHeight("Hi")).toBe(FRAME_MIN_HEIGHT);
  });

  it("grows with lines and wrapping", () => {
    const three = brandingFrameHeight("one\ntwo\nthree");
    const wrapped = brandingFrameHeight("x".repeat(45 * 3));
    expect(three).toBeGreaterThan(FRAME_MIN_HEIGHT);
    expect(wrapped).toBe(three);
    expect(brandingFrameHeight("a\nb\nc\nd")).toBeGreaterThan(three);
  });

  it("is capped for a long text", () => {
    expect(brandingFrameHeight("x".repeat(4096))).toBe(FRAME_MAX_HEIGHT);
    expect(brandingFrameHeight("\n".repeat(200))).toBe(FRAME_MAX_HEIGHT);
  });
});

describe("brandingCardStyle", () => {
  it("takes the branding's colours", () => {
    expect(brandingCardStyle({ background: "#102030", text: "#fff", scheme: "dark" })).toEqual({
      background: "#102030",
      color: "#fff",
      colorScheme: "dark",
    });
  });

  it("leaves out colours the package does not give", () => {
    expect(brandingCardStyle({ background: "", text: "", scheme: "light" })).toEqual({ colorScheme: "light" });
  });

  it("leaves a card without branding alone", () => {
    expect(brandingCardStyle(null)).toBeUndefined();
  });

  it("reads colours from a payload, and none from a malformed one", () => {
    const colors = { background: "navy", text: "white", scheme: "dark" };
    expect(readMessage({ id: 1, branding: "x", branding_colors: colors }).branding_colors).toEqual(colors);
    expect(readMessage({ id: 1, branding: "x", branding_colors: "navy" }).branding_colors).toBeNull();
    expect(readMessage({ id: 1, branding_colors: { scheme: "neon" } }).branding_colors).toEqual({
      background: "",
      text: "",
      scheme: "light",
    });
  });
});
