import { describe, expect, it } from "vitest";
import { readChannels, type ChannelInfo } from "./api";
import { anyRecipientLabel, describeRecipient, recipientChoices } from "./recipients";

const channels: ChannelInfo[] = [
  { id: 1, kind: "sms", name: "Main SMS", identities: ["+3247000001", "+3247000002"] },
  { id: 2, kind: "sms", name: "Old SMS", identities: ["+3247999999"], active: false },
  { id: 3, kind: "email", name: "Support", identities: ["help@example.org"] },
  { id: 4, kind: "sms", name: "Empty", identities: [] },
];

describe("recipient choices", () => {
  it("offers the identities of the active channels of the kind, one group per channel", () => {
    expect(recipientChoices(channels, "sms", "")).toEqual({
      groups: [{ label: "Main SMS", identities: ["+3247000001", "+3247000002"] }],
      unknown: null,
    });
    expect(recipientChoices(channels, "email", "help@example.org").groups.map((group) => group.label)).toEqual(["Support"]);
    expect(recipientChoices(channels, "voice", "").groups).toEqual([]);
  });

  it("keeps a stored recipient no active channel has", () => {
    expect(recipientChoices(channels, "sms", "+3247999999").unknown).toBe("+3247999999");
    expect(recipientChoices(channels, "sms", "+3247000002").unknown).toBeNull();
  });

  it('says what "" means per kind', () => {
    expect(anyRecipientLabel("sms")).toBe("Any of our numbers");
    expect(anyRecipientLabel("voice")).toBe("Any of our numbers");
    expect(anyRecipientLabel("email")).toBe("Any of our addresses");
    expect(describeRecipient("sms", "")).toBe("any of our numbers");
    expect(describeRecipient("sms", "+3247000001")).toBe("+3247000001");
  });
});

describe("the channels as the API lists them", () => {
  it("reads a plain list or a page, skipping malformed entries and identities", () => {
    const listed = [{ id: 1, kind: "sms", name: "Main", identities: ["+32", 5], active: true }, { id: 2, name: "No kind" }];
    const expected = [{ id: 1, kind: "sms", name: "Main", identities: ["+32"], active: true }];
    expect(readChannels(listed)).toEqual(expected);
    expect(readChannels({ count: 1, results: listed })).toEqual(expected);
    expect(readChannels("<html>")).toEqual([]);
  });
});
