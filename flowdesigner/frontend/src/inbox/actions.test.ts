import { describe, expect, it } from "vitest";
import { buttonBehaviour, type ButtonBehaviour } from "./actions";

const answer: ButtonBehaviour = { kind: "answer" };

describe("what pressing a button does", () => {
  const table: Array<[string, ButtonBehaviour]> = [
    ["", answer],
    ["tel://+32 9 324 25 64", { kind: "link", href: "tel:+3293242564", newTab: false }],
    ["tel://", answer],
    ["tel://javascript:alert(1)", answer],
    ["confirm://Really?", { kind: "confirm", text: "Really?" }],
    ["confirm://<b>Sure</b>", { kind: "confirm", text: "<b>Sure</b>" }],
    [
      "geo://51.0543,3.7174",
      {
        kind: "link",
        href: "https://www.openstreetmap.org/?mlat=51.0543&mlon=3.7174#map=16/51.0543/3.7174",
        newTab: true,
      },
    ],
    ["geo://91,3", answer],
    ["geo://51", answer],
    ["geo://x,y", answer],
    ["https://example.org/a?b=1", { kind: "link", href: "https://example.org/a?b=1", newTab: true }],
    ["http://example.org", { kind: "link", href: "http://example.org/", newTab: true }],
    ["https://", answer],
    ["mailto:info@example.org", { kind: "link", href: "mailto:info@example.org", newTab: false }],
    ["mailto:", answer],
    ["javascript:alert(1)", answer],
    ["ftp://example.org", answer],
  ];

  it.each(table)("%j", (action, behaviour) => {
    expect(buttonBehaviour(action)).toEqual(behaviour);
  });
});
