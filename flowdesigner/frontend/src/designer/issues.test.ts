import { describe, expect, it } from "vitest";
import { groupIssues, messagesAt } from "./issues";
import type { Issue } from "./types";

const issue = (code: string, node_id: string | null): Issue => ({ code, message: code, node_id, field: null });

describe("groupIssues", () => {
  it("puts each node's issues on that node and flow-wide ones in the flow list", () => {
    const { byNode, flow } = groupIssues(
      [issue("no_text", "m1"), issue("two_audiences", null), issue("no_destination", "m1"), issue("no_name", "e1")],
      new Set(["m1", "e1"]),
    );
    expect(byNode.get("m1")?.map((found) => found.code)).toEqual(["no_text", "no_destination"]);
    expect(byNode.get("e1")?.map((found) => found.code)).toEqual(["no_name"]);
    expect(flow.map((found) => found.code)).toEqual(["two_audiences"]);
  });

  it("lists issues of nodes no longer on the canvas with the flow's, so none is hidden", () => {
    const { byNode, flow } = groupIssues([issue("unreachable", "gone")], new Set(["m1"]));
    expect(byNode.size).toBe(0);
    expect(flow.map((found) => found.node_id)).toEqual(["gone"]);
  });
});

describe("messagesAt", () => {
  const at = (field: string | null, message: string): Issue => ({ code: "required", message, node_id: "n", field });
  const issues = [
    at("config.contact", "Map a contact column"),
    at("config.contact.phone", "Not a column"),
    at("config.conditions[0].event", "Unknown event"),
    at("config.contacts", "Another field"),
    at(null, "The whole node"),
  ];

  it("gives the messages about one field", () => {
    expect(messagesAt(issues, "config.contact")).toEqual(["Map a contact column"]);
  });

  it("gives those about anything inside it when asked, and not a field that only starts alike", () => {
    expect(messagesAt(issues, "config.contact", true)).toEqual(["Map a contact column", "Not a column"]);
    expect(messagesAt(issues, "config.conditions", true)).toEqual(["Unknown event"]);
  });
});
