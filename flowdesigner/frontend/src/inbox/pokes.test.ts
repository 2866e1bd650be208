import { describe, expect, it } from "vitest";
import { readPokes, readPokeStarted } from "./pokes";

describe("readPokes", () => {
  it("keeps well-formed pokes and fills missing text fields", () => {
    expect(
      readPokes([
        { code: "Ab3_-x9Q", tag: "book-table", label: "Book a table", description: "Tonight?", flow_name: "Bookings" },
        { code: "zz", label: "Support" },
        { code: "", label: "No code" },
        { code: "nolabel" },
        "junk",
      ]),
    ).toEqual([
      { code: "Ab3_-x9Q", tag: "book-table", label: "Book a table", description: "Tonight?", flow_name: "Bookings" },
      { code: "zz", tag: "", label: "Support", description: "", flow_name: "" },
    ]);
  });

  it("reads anything but a list as no pokes", () => {
    expect(readPokes({ detail: "nope" })).toEqual([]);
    expect(readPokes(null)).toEqual([]);
  });
});

describe("readPokeStarted", () => {
  const poke = { code: "c", tag: "t", label: "Support", description: "", flow_name: "F" };

  it("tells a double tap from a new run", () => {
    expect(readPokeStarted({ run_id: "r1", started: false, detail: "Support has just been started." }, poke)).toEqual(
      { run_id: "r1", started: false, detail: "Support has just been started." },
    );
    expect(readPokeStarted({ run_id: "r2", started: true }, poke)).toEqual({
      run_id: "r2",
      started: true,
      detail: "Started Support.",
    });
  });
});
