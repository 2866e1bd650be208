import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import { inboundCallSummary, readInboundCall, withCallVariable } from "./config";

describe("Inbound Call", () => {
  it("starts with any of our numbers and nothing saved, and has the 'next' exit", () => {
    const config = initialConfig(elementModule("inbound_call")!, {});
    expect(config).toEqual({ recipient: "", variables: { call_id: "", from: "", to: "" } });
    expect(inboundCallSummary(readInboundCall(config))).toEqual(["Call to any of our numbers"]);
    expect(exitsOf({ type: "inbound_call", config, storedExits: [] }).map((exit) => exit.name)).toEqual(["next"]);
  });

  it("reads missing or malformed variables as not saved", () => {
    expect(readInboundCall({ variables: { from: 3, to: "callee" } })).toEqual({
      recipient: "",
      variables: { call_id: "", from: "", to: "callee" },
    });
  });

  it("writes every call field when one is chosen, keeping the rest of the config", () => {
    expect(withCallVariable({ recipient: "+3290000000" }, "from", "caller")).toEqual({
      recipient: "+3290000000",
      variables: { call_id: "", from: "caller", to: "" },
    });
  });

  it("lists what is saved on the node", () => {
    const config = { recipient: "+3290000000", variables: { call_id: "call", from: "caller", to: "" } };
    expect(inboundCallSummary(readInboundCall(config))).toEqual([
      "Call to +3290000000",
      "Saves Call ID → call",
      "Saves Caller's number → caller",
    ]);
  });
});
