import { describe, expect, it } from "vitest";
import { elementModule, exitsOf, initialConfig } from "..";
import {
  callSavesSummary,
  callSummary,
  headerNameProblem,
  isJsonPath,
  jsonBodyProblem,
  readCallUrl,
  urlProblem,
} from "./config";

describe("call URL", () => {
  it("leaves through 'success' or 'failure'", () => {
    expect(exitsOf({ type: "call_url", config: {}, storedExits: [] })).toEqual([
      { name: "success", label: "success" },
      { name: "failure", label: "failure" },
    ]);
  });

  it("shows the method and the start of the URL", () => {
    expect(callSummary({ method: "POST", url: "https://api.example.com/orders" })).toBe(
      "POST https://api.example.com/orders",
    );
    expect(callSummary({ method: "GET", url: "https://api.example.com/v1/customers/{{ person.id }}/orders?all=1" })).toBe(
      "GET https://api.example.com/…",
    );
    expect(callSummary({ method: "POST", url: "{{ variables.endpoint_of_the_customer_service_api }}" })).toBe(
      "POST {{ variables.endpoint_of_the_customer_s…",
    );
    expect(callSummary({ method: "POST", url: "https://" })).toBe("");
  });

  it("lists what the response fills in", () => {
    expect(
      callSavesSummary({
        status_variable: "code",
        save: [
          { path: "$.id", variable: "order_id" },
          { path: "", variable: "x" },
        ],
      }),
    ).toBe("Saves status → code, $.id → order_id");
    expect(callSavesSummary({ status_variable: "", save: [] })).toBe("");
  });

  it("starts as a JSON POST with the person's id, read back as placed", () => {
    const config = initialConfig(elementModule("call_url")!, {});
    expect(readCallUrl(config)).toEqual({
      method: "POST",
      url: "https://",
      headers: [],
      body_type: "json",
      body: '{"person": {{ person.id }}}',
      form: [],
      timeout_seconds: 10,
      retries: 2,
      status_variable: "",
      save: [],
    });
  });

  it("reads missing keys as the engine does: no body, 10 seconds, no retries", () => {
    expect(readCallUrl({ method: "PUT", url: "https://x.example" })).toMatchObject({
      body_type: "none",
      timeout_seconds: 10,
      retries: 0,
    });
  });

  it("accepts the engine's JSON paths only", () => {
    for (const path of ["$", "$.data", "$.data.items[0].name", '$["a b"].c']) {
      expect(isJsonPath(path), path).toBe(true);
    }
    for (const path of ["", "data.id", "$.", "$[x]", "$..id"]) {
      expect(isJsonPath(path), path).toBe(false);
    }
  });

  it("hints at bad header names, URLs and JSON bodies", () => {
    expect(headerNameProblem("Authorization")).toBeNull();
    expect(headerNameProblem("X Token")).not.toBeNull();
    expect(headerNameProblem("Host")).toBe("Host is set by the transport itself.");
    expect(urlProblem("https://api.example.com/x")).toBeNull();
    expect(urlProblem("{{ variables.endpoint }}")).toBeNull();
    expect(urlProblem("ftp://example.com")).not.toBeNull();
    expect(urlProblem("example.com")).not.toBeNull();
    expect(jsonBodyProblem('{"person": {{ person.id }}, "name": "{{ person.first_name }}"}')).toBeNull();
    expect(jsonBodyProblem('{"person": }')).not.toBeNull();
    expect(jsonBodyProblem("")).not.toBeNull();
  });
});
