import type { ElementModule } from "../types";
import { audienceExits } from "./config";
import { AudienceEditor } from "./Editor";
import { AudienceSummary } from "./Summary";

export const predefinedAudience: ElementModule = {
  type: "predefined_audience",
  defaults: { tags: [], segments: [], persons: [], companies: [], update: "never" },
  exits: audienceExits,
  Summary: AudienceSummary,
  Editor: AudienceEditor,
};
