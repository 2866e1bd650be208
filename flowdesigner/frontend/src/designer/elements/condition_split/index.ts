import type { ElementModule } from "../types";
import { conditionSplitExits } from "./config";
import { ConditionSplitEditor } from "./Editor";
import { ConditionSplitSummary } from "./Summary";

/** Ordered branches, each a condition on the person and the flow's variables; the first that holds is
 * taken, else "otherwise". */
export const conditionSplit: ElementModule = {
  type: "condition_split",
  defaults: { branches: [{ id: "b1", name: "Branch 1", rules: { op: "and", rules: [] } }] },
  exits: conditionSplitExits,
  Summary: ConditionSplitSummary,
  Editor: ConditionSplitEditor,
};
