import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from ".";
import { buttonIdProblem, nextButtonId, readMessage } from "./message/config";

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
    expect(names("exit", { name: "Done" })).toEqual([]);
  });

  it("keeps the stored exits of a type this front end does not know", () => {
    expect(names("wait_event", {}, ["happened", "timeout"])).toEqual(["happened", "timeout"]);
  });
});

describe("message config", () => {
  it("reads a malformed config without failing, skipping buttons without an id", () => {
    expect(readMessage({ text: 3, buttons: [{ caption: "x" }, { id: "ok" }, "junk"] })).toEqual({
      text: "",
      buttons: [{ id: "ok", caption: "" }],
    });
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
});

describe("initialConfig", () => {
  it("lays the server's defaults over the module's and shares no arrays between nodes", () => {
    const message = elementModule("message")!;
    const serverDefaults = { text: "Hello", alert: "SILENT" };
    const first = initialConfig(message, serverDefaults);
    expect(first).toEqual({ text: "Hello", buttons: [], alert: "SILENT" });
    (first.buttons as unknown[]).push({ id: "x" });
    expect(initialConfig(message, serverDefaults).buttons).toEqual([]);
  });
});
