import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import { inboundMessageSummary, readInboundMessage, switchInboundChannel, withConditions } from "./config";
import { readCondition } from "../../inbound";

describe("a newly placed Inbound Message", () => {
  it("listens on SMS to any of our numbers with one empty Matches text condition", () => {
    const config = initialConfig(elementModule("inbound_message")!, {});
    expect(config).toEqual({
      channel: "sms",
      recipient: "",
      conditions: [{ operator: "matches_text", values: [""] }],
      capture: [],
    });
    expect(inboundMessageSummary(readInboundMessage(config))).toEqual([
      "SMS to any of our numbers",
      "Matches text: (no value yet)",
    ]);
  });

  it("shares no condition list between two nodes", () => {
    const first = initialConfig(elementModule("inbound_message")!, {});
    (first.conditions as unknown[]).push({ operator: "anything" });
    expect(initialConfig(elementModule("inbound_message")!, {}).conditions).toHaveLength(1);
  });

  it("has the single 'next' exit of an entry point", () => {
    expect(exitsOf({ type: "inbound_message", config: {}, storedExits: [] })).toEqual([{ name: "next", label: "Next" }]);
  });
});

describe("Inbound Message config", () => {
  it("reads a missing channel as SMS and malformed lists as empty", () => {
    expect(readInboundMessage({ channel: "fax", conditions: "x", capture: null })).toEqual({
      channel: "sms",
      recipient: "",
      conditions: [],
      capture: [],
    });
  });

  it("clears the recipient when the channel changes, and only then", () => {
    const config = { channel: "sms", recipient: "+3247000001", conditions: [] };
    expect(switchInboundChannel(config, "email")).toEqual({ channel: "email", recipient: "", conditions: [] });
    expect(switchInboundChannel(config, "sms")).toBe(config);
  });

  it("stores each condition with only its operator's keys", () => {
    const edited = withConditions({ channel: "sms", capture: [] }, [
      readCondition({ operator: "matches_text", values: ["yes", "y"], pattern: "left over" }),
      readCondition({ operator: "anything", values: ["x"] }),
    ]);
    expect(edited).toEqual({
      channel: "sms",
      capture: [],
      conditions: [{ operator: "matches_text", values: ["yes", "y"] }, { operator: "anything" }],
    });
  });

  it("sums up the channel, recipient, conditions and saved variables on the node", () => {
    const config = {
      channel: "sms",
      recipient: "+3247000001",
      conditions: [{ operator: "matches_text", values: ["yes", "y"] }, { operator: "contains_word", values: ["stop"] }],
      capture: [{ source: "sender", variable: "phone", pattern: "" }],
    };
    expect(inboundMessageSummary(readInboundMessage(config))).toEqual([
      "SMS to +3247000001",
      'Matches text: "yes", "y"',
      'Contains word: "stop"',
      "Saves Sender → phone",
    ]);
    expect(inboundMessageSummary(readInboundMessage({ ...config, channel: "web" }))[0]).toBe("Web inbox");
    expect(inboundMessageSummary(readInboundMessage({ ...config, channel: "email", recipient: "" }))[0]).toBe(
      "Email to any of our addresses",
    );
  });
});
