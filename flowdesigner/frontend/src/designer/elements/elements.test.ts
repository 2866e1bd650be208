import type { Edge } from "@xyflow/react";
import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from ".";
import { exitEdge, syncExitEdges } from "../graph";
import { readEmailResults } from "./email_results/config";
import { buttonIdProblem, messageExits, nextButtonId, readMessage, readReplyTimeout } from "./message/config";
import { replyTimeoutSummary } from "./message/ReplyTimeout";

const names = (type: string, config: Record<string, unknown>, storedExits: string[] = []) =>
  exitsOf({ type, config, storedExits }).map((exit) => exit.name);

describe("exits per element type", () => {
  it("gives a predefined audience a single 'next' exit", () => {
    expect(names("predefined_audience", { tags: [1] })).toEqual(["next"]);
  });

  it("gives a message one exit per button, in button order, labelled with the caption", () => {
    const config = { buttons: [{ id: "no", caption: "No" }, { id: "yes", caption: "" }] };
    expect(exitsOf({ type: "message", config, storedExits: [] })).toEqual([
      { name: "no", label: "No" },
      { name: "yes", label: "yes" },
    ]);
  });

  it("gives an exit no exits", () => {
    expect(names("exit", { name: "Done", wait_for_follow_up: true })).toEqual([]);
  });

  it("gives send results and email results a single 'next' exit", () => {
    expect(names("send_results", {})).toEqual(["next"]);
    expect(names("email_results", { emails: ["a@example.org"], email_admins: true })).toEqual(["next"]);
  });

  it("keeps the stored exits of a type this front end does not know", () => {
    expect(names("wait_event", {}, ["happened", "timeout"])).toEqual(["happened", "timeout"]);
  });
});

describe("message exits", () => {
  const buttons = [
    { id: "yes", caption: "Yes" },
    { id: "no", caption: "No", action: "confirm://Sure?" },
  ];

  it("are the buttons without dismiss, and the buttons then 'dismiss' with it, labelled with its caption", () => {
    expect(messageExits({ buttons }).map((exit) => exit.name)).toEqual(["yes", "no"]);
    expect(messageExits({ buttons, allow_dismiss: false, dismiss_caption: "Later" }).map((e) => e.name)).toEqual([
      "yes",
      "no",
    ]);
    expect(messageExits({ buttons, allow_dismiss: true, dismiss_caption: "Later" })).toEqual([
      { name: "yes", label: "Yes" },
      { name: "no", label: "No" },
      { name: "dismiss", label: "Later" },
    ]);
    expect(messageExits({ buttons: [], allow_dismiss: true, dismiss_caption: "" })).toEqual([
      { name: "dismiss", label: "Roger that" },
    ]);
  });

  it("are one exit per id, even with a duplicated id or a button named like the dismiss", () => {
    const config = {
      buttons: [...buttons, { id: "yes", caption: "Again" }, { id: "dismiss", caption: "D" }],
      allow_dismiss: true,
    };
    expect(messageExits(config).map((exit) => exit.name)).toEqual(["yes", "no", "dismiss"]);
  });

  const edges: Edge[] = [
    exitEdge("m", "yes", "a"),
    exitEdge("m", "no", "b"),
    exitEdge("m", "dismiss", "c"),
    exitEdge("other", "dismiss", "d"),
  ];
  /** The edges after an edit of node "m" to `config`, as "source.exit->target". */
  function sync(config: Record<string, unknown>, renames?: Record<string, string>): string[] {
    const exitNames = exitsOf({ type: "message", config, storedExits: [] }).map((exit) => exit.name);
    return syncExitEdges(edges, "m", exitNames, renames).map(
      (edge) => `${edge.source}.${edge.sourceHandle}->${edge.target}`,
    );
  }

  it("drop the dismiss edge when dismissing is switched off and keep it while on", () => {
    expect(sync({ buttons, allow_dismiss: true })).toEqual(["m.yes->a", "m.no->b", "m.dismiss->c", "other.dismiss->d"]);
    expect(sync({ buttons, allow_dismiss: false })).toEqual(["m.yes->a", "m.no->b", "other.dismiss->d"]);
  });

  it("move a renamed button's edge to its new id and leave the dismiss edge alone", () => {
    const renamed = [{ id: "sure", caption: "Yes" }, buttons[1]!];
    expect(sync({ buttons: renamed, allow_dismiss: true }, { yes: "sure" })).toEqual([
      "m.sure->a",
      "m.no->b",
      "m.dismiss->c",
      "other.dismiss->d",
    ]);
  });
});

describe("message reply timeout", () => {
  const buttons = [{ id: "yes", caption: "Yes" }];

  it("adds a 'no answer' exit after the buttons and the dismiss only while a timeout is set", () => {
    const timeout = { amount: 2, unit: "days" };
    expect(messageExits({ buttons, allow_dismiss: true, timeout })).toEqual([
      { name: "yes", label: "Yes" },
      { name: "dismiss", label: "Roger that" },
      { name: "no_answer", label: "no answer" },
    ]);
    expect(messageExits({ buttons, timeout: null }).map((exit) => exit.name)).toEqual(["yes"]);
    expect(messageExits({ buttons }).map((exit) => exit.name)).toEqual(["yes"]);
  });

  it("drops the 'no answer' edge when the timeout is switched off", () => {
    const edges = [exitEdge("m", "yes", "a"), exitEdge("m", "no_answer", "b")];
    const exitNames = messageExits({ buttons, timeout: null }).map((exit) => exit.name);
    expect(syncExitEdges(edges, "m", exitNames).map((edge) => edge.sourceHandle)).toEqual(["yes"]);
  });

  it("is shown on the node in words", () => {
    expect(replyTimeoutSummary({ timeout: { amount: 1, unit: "hours" } })).toBe("No answer after 1 hour");
    expect(replyTimeoutSummary({ timeout: { amount: 3, unit: "days" } })).toBe("No answer after 3 days");
    expect(replyTimeoutSummary({ timeout: null })).toBe("");
  });

  it("reads only a well-formed duration", () => {
    expect(readReplyTimeout({ timeout: { amount: 5, unit: "minutes" } })).toEqual({ amount: 5, unit: "minutes" });
    expect(readReplyTimeout({ timeout: { amount: 5, unit: "fortnights" } })).toBeNull();
    expect(readReplyTimeout({})).toBeNull();
  });

  it("keeps 'no_answer' from being a button id", () => {
    expect(buttonIdProblem("no_answer", [])).not.toBeNull();
  });
});

describe("message config", () => {
  it("reads a malformed config without failing: defaults, and buttons without an id skipped", () => {
    expect(
      readMessage({
        text: 3,
        buttons: [{ caption: "x" }, { id: "ok" }, "junk"],
        allow_dismiss: "yes",
        alert: { type: "LOUD", interval: "INTERVAL_5", vibrate: 1 },
        auto_lock: null,
        attachments: [{ name: "a.pdf", size: "big" }, 7],
      }),
    ).toEqual({
      text: "",
      buttons: [{ id: "ok", caption: "" }],
      allow_dismiss: false,
      dismiss_caption: "Roger that",
      branding: null,
      alert: { type: "SILENT", interval: "INTERVAL_5", vibrate: false },
      auto_lock: true,
      attachments: [{ name: "a.pdf", url: "", content_type: "", size: 0 }],
    });
  });

  it("reads every option as stored", () => {
    const config = {
      text: "Hi {{ person.first_name }}",
      buttons: [{ id: "call", caption: "Call", action: "tel://123" }],
      allow_dismiss: true,
      dismiss_caption: "Later",
      branding: "acme",
      alert: { type: "RING_15", interval: "INTERVAL_300", vibrate: true },
      auto_lock: false,
      attachments: [{ name: "a.pdf", url: "https://x/a.pdf", content_type: "application/pdf", size: 2048 }],
    };
    expect(readMessage(config)).toEqual(config);
  });

  it("numbers new buttons with the first free button_N", () => {
    expect(nextButtonId([])).toBe("button_1");
    expect(nextButtonId(["button_1", "yes"])).toBe("button_2");
    expect(nextButtonId(["button_2", "button_1", "button_4"])).toBe("button_3");
  });

  it("refuses empty, malformed and duplicate button ids", () => {
    expect(buttonIdProblem("", [])).not.toBeNull();
    expect(buttonIdProblem("has space", [])).not.toBeNull();
    expect(buttonIdProblem("yes", ["yes"])).not.toBeNull();
    expect(buttonIdProblem("maybe", ["yes"])).toBeNull();
  });

  it("refuses 'dismiss' as a button id only while the dismiss exit exists", () => {
    expect(buttonIdProblem("dismiss", [], true)).not.toBeNull();
    expect(buttonIdProblem("dismiss", [], false)).toBeNull();
  });
});

describe("email results config", () => {
  it("reads addresses and the admins flag, skipping what is not a string", () => {
    expect(readEmailResults({ emails: ["a@example.org", 3], email_admins: true })).toEqual({
      emails: ["a@example.org"],
      email_admins: true,
    });
    expect(readEmailResults({})).toEqual({ emails: [], email_admins: false });
  });
});

describe("initialConfig", () => {
  it("lays the server's defaults over the module's and shares no arrays between nodes", () => {
    const message = elementModule("message")!;
    const serverDefaults = { text: "Hello", alert: "SILENT" };
    const first = initialConfig(message, serverDefaults);
    expect(first).toEqual({ text: "Hello", buttons: [{ id: "ok", caption: "OK" }], alert: "SILENT" });
    (first.buttons as unknown[]).push({ id: "x" });
    expect(initialConfig(message, serverDefaults).buttons).toEqual([{ id: "ok", caption: "OK" }]);
  });
});
