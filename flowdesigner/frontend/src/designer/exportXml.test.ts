import { describe, expect, it } from "vitest";
import { exportRefusal, filenameFrom } from "./exportXml";

describe("export download", () => {
  it("names the file as the server says, or with the fallback", () => {
    expect(filenameFrom('attachment; filename="event-rsvp.xml"', "flow-1.xml")).toBe("event-rsvp.xml");
    expect(filenameFrom("attachment; filename=plain.xml", "flow-1.xml")).toBe("plain.xml");
    expect(filenameFrom(null, "flow-1.xml")).toBe("flow-1.xml");
    expect(filenameFrom("attachment", "flow-1.xml")).toBe("flow-1.xml");
  });

  it("reads a refusal's detail and errors", () => {
    expect(
      exportRefusal({ detail: "This flow cannot be exported yet.", errors: ["wait: no counterpart", 3] }, 400, "Bad Request"),
    ).toEqual({ detail: "This flow cannot be exported yet.", errors: ["wait: no counterpart"] });
    expect(exportRefusal("<html>", 500, "Server Error")).toEqual({
      detail: "Request failed: HTTP 500 Server Error",
      errors: [],
    });
  });
});
