import { describe, expect, it } from "vitest";
import { curlExample, participantsUrl, sampleBody } from "./config";

describe("flow API entry", () => {
  it("posts to the flow's own participants URL", () => {
    expect(participantsUrl("https://fd.example.com", 12)).toBe("https://fd.example.com/moments/1/flows/12/participants");
  });

  it("samples one participant with a value of the right type per declared variable", () => {
    expect(sampleBody([])).toEqual({ participants: [{ identifyBy: { identifier: "32470123456", type: "PHONE" } }] });
    expect(
      sampleBody([
        { name: "order", type: "number" },
        { name: "city", type: "text" },
        { name: "2bad", type: "text" },
      ]),
    ).toEqual({
      participants: [{ identifyBy: { identifier: "32470123456", type: "PHONE" }, variables: { order: 42, city: "text" } }],
    });
  });

  it("writes a curl command with the App key header and a JSON body", () => {
    const curl = curlExample("https://fd.example.com", 7, [{ name: "vip", type: "boolean" }]);
    expect(curl).toMatch(/^curl -X POST 'https:\/\/fd\.example\.com\/moments\/1\/flows\/7\/participants'/);
    expect(curl).toContain("-H 'Authorization: App <key>'");
    const body = /-d '([\s\S]*)'$/.exec(curl)?.[1];
    expect(JSON.parse(body ?? "")).toEqual({
      participants: [{ identifyBy: { identifier: "32470123456", type: "PHONE" }, variables: { vip: true } }],
    });
  });
});
