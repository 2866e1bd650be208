import type { BrandingInfo } from "../../api";

export interface BrandingChoice {
  value: string;
  label: string;
}

/**
 * The branding dropdown's options: "No branding", every package by name, and the stored key when no
 * package has it (deleted, or not loaded yet), so a flow is never changed just by opening its editor.
 */
export function brandingChoices(brandings: readonly BrandingInfo[], current: string | null): BrandingChoice[] {
  const choices: BrandingChoice[] = [
    { value: "", label: "No branding" },
    ...brandings.map((branding) => ({ value: branding.key, label: branding.name })),
  ];
  if (current && !brandings.some((branding) => branding.key === current)) {
    choices.push({ value: current, label: `${current} (unknown)` });
  }
  return choices;
}
