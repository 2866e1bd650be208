import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, errorMessage, jsonClient } from "./http";

describe("errorMessage", () => {
  it("shows DRF's detail verbatim", () => {
    expect(errorMessage({ detail: "This draft was changed by someone else." }, 409, "Conflict")).toBe(
      "This draft was changed by someone else.",
    );
  });

  it("shows field errors one per line, nested paths included", () => {
    const body = {
      definition: ["Nodes must be a list.", "Too big."],
      revision: "Required.",
      non_field_errors: ["Something general."],
      nodes: [{ id: ["Bad id."] }],
    };
    expect(errorMessage(body, 400, "Bad Request").split("\n")).toEqual([
      "definition: Nodes must be a list. Too big.",
      "revision: Required.",
      "Something general.",
      "nodes[0].id: Bad id.",
    ]);
  });

  it("falls back to the HTTP status when the body says nothing useful", () => {
    expect(errorMessage("<html>oops</html>", 502, "Bad Gateway")).toBe("Request failed: HTTP 502 Bad Gateway");
  });
});

describe("jsonClient", () => {
  afterEach(() => vi.unstubAllGlobals());

  function stubFetch(status: number, body: unknown) {
    const fetchMock = vi.fn(
      async () => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } }),
    );
    vi.stubGlobal("fetch", fetchMock);
    return fetchMock;
  }

  it("sends writes as same-origin JSON with the CSRF token", async () => {
    const fetchMock = stubFetch(200, { revision: 5 });
    await expect(jsonClient("tok").put("/api/x/", { a: 1 })).resolves.toEqual({ revision: 5 });
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.method).toBe("PUT");
    expect(init.credentials).toBe("same-origin");
    expect(init.body).toBe('{"a":1}');
    expect(init.headers).toMatchObject({ "X-CSRFToken": "tok", "Content-Type": "application/json" });
  });

  it("throws an ApiError carrying status, body and the message to show", async () => {
    stubFetch(409, { detail: "Stale." });
    const error = await jsonClient("tok").post("/api/x/", {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, body: { detail: "Stale." }, message: "Stale." });
  });
});
