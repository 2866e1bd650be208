import { describe, expect, it } from "vitest";
import { exitsOf } from "..";
import { formMessageExits } from "../form_message/config";
import { channelBadge, hasOtherExit, readMessageChannel } from "./channel";
import { messageExits } from "./config";

const buttons = [{ id: "yes", caption: "Yes" }];
const names = (exits: Array<{ name: string }>) => exits.map((exit) => exit.name);

describe("a message's channel", () => {
  it("defaults to the web inbox, asking again with the built-in text", () => {
    expect(readMessageChannel({})).toEqual({ channel: "web", unrecognised: "reprompt", reprompt: "" });
    expect(readMessageChannel({ channel: "pigeon", unrecognised: "shrug", reprompt: 3 })).toEqual({
      channel: "web",
      unrecognised: "reprompt",
      reprompt: "",
    });
  });

  it("shows a badge on the node for every channel but the web inbox", () => {
    expect(channelBadge({})).toBeNull();
    expect(channelBadge({ channel: "web" })).toBeNull();
    expect(channelBadge({ channel: "sms" })).toBe("SMS");
    expect(channelBadge({ channel: "email" })).toBe("Email");
    expect(channelBadge({ channel: "preferred" })).toBe("Preferred channel");
  });
});

describe("the 'other' exit", () => {
  it("appears when an unrecognised reply takes it, on any channel but the web inbox", () => {
    expect(hasOtherExit({ channel: "sms", unrecognised: "other" })).toBe(true);
    expect(hasOtherExit({ channel: "preferred", unrecognised: "other" })).toBe(true);
    expect(hasOtherExit({ channel: "web", unrecognised: "other" })).toBe(false);
    expect(hasOtherExit({ channel: "sms", unrecognised: "reprompt" })).toBe(false);
    expect(hasOtherExit({ channel: "sms" })).toBe(false);
  });

  it("comes after the buttons and dismiss, before 'no answer', on a message", () => {
    const config = { buttons, allow_dismiss: true, channel: "sms", unrecognised: "other", timeout: { amount: 1, unit: "days" } };
    expect(messageExits(config)).toEqual([
      { name: "yes", label: "Yes" },
      { name: "dismiss", label: "Roger that" },
      { name: "other", label: "other" },
      { name: "no_answer", label: "no answer" },
    ]);
    expect(names(messageExits({ ...config, channel: "web" }))).toEqual(["yes", "dismiss", "no_answer"]);
  });

  it("is not added twice when a button already has the id", () => {
    const config = { buttons: [{ id: "other", caption: "Other" }], channel: "email", unrecognised: "other" };
    expect(names(messageExits(config))).toEqual(["other"]);
  });

  it("comes after positive and negative on a form message", () => {
    const config = { channel: "email", unrecognised: "other" };
    expect(names(formMessageExits(config))).toEqual(["positive", "negative", "other"]);
    expect(names(exitsOf({ type: "form_message", config: { ...config, unrecognised: "reprompt" }, storedExits: [] }))).toEqual([
      "positive",
      "negative",
    ]);
  });
});
