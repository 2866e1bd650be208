import type { CSSProperties } from "react";
import type { BrandingColors } from "./types";

/** The page that shows a message inside its branding (for its own reader only). */
export function brandingFrameUrl(key: string, messageId: number): string {
  return `/brandings/${encodeURIComponent(key)}/messages/${messageId}/`;
}

export const FRAME_MIN_HEIGHT = 120;
export const FRAME_MAX_HEIGHT = 480;
// Room for a branding's header image and margins around the text.
const FRAME_CHROME = 96;
const LINE_HEIGHT = 22;
const CHARS_PER_LINE = 45;

/**
 * The iframe's height in pixels. The frame is sandboxed without scripts or same origin, so the page
 * cannot measure its document: the height follows the text (lines and wrapping at a phone's width),
 * kept within FRAME_MIN_HEIGHT..FRAME_MAX_HEIGHT; a longer branding scrolls inside the frame.
 */
export function brandingFrameHeight(text: string): number {
  const lines = text
    .split("\n")
    .reduce((total, line) => total + Math.max(1, Math.ceil(line.length / CHARS_PER_LINE)), 0);
  return Math.min(FRAME_MAX_HEIGHT, Math.max(FRAME_MIN_HEIGHT, FRAME_CHROME + lines * LINE_HEIGHT));
}

/** The card's colours from its branding; nothing for a colour the package does not give. */
export function brandingCardStyle(colors: BrandingColors | null): CSSProperties | undefined {
  if (!colors) {
    return undefined;
  }
  const style: CSSProperties = { colorScheme: colors.scheme };
  if (colors.background) {
    style.background = colors.background;
  }
  if (colors.text) {
    style.color = colors.text;
  }
  return style;
}
