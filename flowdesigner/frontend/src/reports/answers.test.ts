import { describe, expect, it } from "vitest";
import { answersTable, asLocation, asPhoto, formatUtc, mapUrl } from "./answers";

describe("listed answers", () => {
  it("reads a location and links it to OpenStreetMap", () => {
    const location = asLocation({ latitude: 50.8, longitude: 4.3, accuracy: 5 });
    expect(location).toEqual({ latitude: 50.8, longitude: 4.3 });
    expect(mapUrl(location!)).toBe("https://www.openstreetmap.org/?mlat=50.800000&mlon=4.300000#map=16/50.800000/4.300000");
    expect(asLocation("50.8, 4.3")).toBeNull();
  });

  it("accepts only http(s) or same-site photo URLs", () => {
    expect(asPhoto({ url: "/uploads/1/a.jpg", name: "a.jpg" })).toEqual({ url: "/uploads/1/a.jpg", name: "a.jpg" });
    expect(asPhoto({ url: "https://cdn.example.com/a.jpg" })).toEqual({ url: "https://cdn.example.com/a.jpg", name: "" });
    expect(asPhoto({ url: "javascript:alert(1)" })).toBeNull();
    expect(asPhoto({ url: "//evil.example.com/a.jpg" })).toBeNull();
    expect(asPhoto({ url: "data:image/png;base64,AAAA" })).toBeNull();
  });

  it("makes a table of who answered what, when", () => {
    const table = answersTable([
      { participant: 12, person: { id: 4, name: "Erin Doe" }, at: "2026-12-01T06:05:09Z", value: "Fine", display: "Fine" },
      {
        participant: 13,
        person: { id: 5, name: "Max" },
        at: "2026-12-01T07:00:00+00:00",
        value: { url: "/uploads/x.jpg", name: "x.jpg" },
        display: "x.jpg",
      },
    ]);
    expect(table.rows).toEqual([
      ["12", "Erin Doe", "2026-12-01 06:05", "Fine"],
      ["13", "Max", "2026-12-01 07:00", "/uploads/x.jpg"],
    ]);
    expect(formatUtc("soon")).toBe("soon");
  });
});
