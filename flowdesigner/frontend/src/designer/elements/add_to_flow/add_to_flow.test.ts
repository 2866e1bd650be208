import { describe, expect, it } from "vitest";
import type { FlowEntries } from "../../api";
import { addToFlowSummary, readAddToFlow, targetWarning, withTargetFlow } from "./config";

const flows: FlowEntries[] = [
  { flow: 3, name: "Onboarding", status: "active", entries: [{ id: "existing_1", label: "From other flows" }] },
  {
    flow: 4,
    name: "Win-back",
    status: "draft",
    entries: [
      { id: "a", label: "A" },
      { id: "b", label: "B" },
    ],
  },
];

describe("add to flow", () => {
  it("reads the target, anything but a whole number as none", () => {
    expect(readAddToFlow({ flow: 3, entry: "existing_1" })).toEqual({ flow: 3, entry: "existing_1" });
    expect(readAddToFlow({ flow: "3" })).toEqual({ flow: null, entry: "" });
  });

  it("picks a flow's only entry, keeps one it has, and clears one it lacks", () => {
    expect(withTargetFlow({ flow: null, entry: "" }, 3, flows)).toEqual({ flow: 3, entry: "existing_1" });
    expect(withTargetFlow({ flow: 4, entry: "b" }, 4, flows)).toEqual({ flow: 4, entry: "b" });
    expect(withTargetFlow({ flow: 3, entry: "existing_1" }, 4, flows)).toEqual({ flow: 4, entry: "" });
    expect(withTargetFlow({ flow: 3, entry: "existing_1" }, null, flows)).toEqual({ flow: null, entry: "" });
  });

  it("names the target flow on the node, by number until the names are known", () => {
    expect(addToFlowSummary({ flow: 3, entry: "existing_1" }, flows)).toBe("Adds to “Onboarding”");
    expect(addToFlowSummary({ flow: 3, entry: "" }, null)).toBe("Adds to flow #3");
    expect(addToFlowSummary({ flow: null, entry: "" }, flows)).toBe("");
  });

  it("warns when the target flow is not active", () => {
    expect(targetWarning(flows[0])).toBeNull();
    expect(targetWarning(flows[1])).toBe("“Win-back” is draft: it takes people in only while it is active.");
  });
});
