import type { ElementModule } from "../types";
import { randomSplitExits } from "./config";
import { RandomSplitEditor } from "./Editor";
import { RandomSplitSummary } from "./Summary";

/** A random split / A-B test: each participant takes one branch, by percentages that add up to 100. */
export const randomSplit: ElementModule = {
  type: "random_split",
  defaults: {
    branches: [
      { id: "a", name: "A", percent: 50 },
      { id: "b", name: "B", percent: 50 },
    ],
  },
  exits: randomSplitExits,
  Summary: RandomSplitSummary,
  Editor: RandomSplitEditor,
};
