import { describe, expect, it } from "vitest";
import { exitEdge } from "./graph";
import { copySelection, parseClipboard, pasteContent } from "./clipboard";
import type { ElementNode } from "./types";

const node = (id: string, selected: boolean): ElementNode => ({
  id,
  type: "element",
  selected,
  position: { x: 100, y: 50 },
  data: { type: "message", config: { text: `Hi from ${id}`, buttons: [{ id: "ok", caption: "OK" }] }, extra: {}, storedExits: [] },
});

describe("copy and paste of elements", () => {
  const nodes = [node("ask", true), node("thanks", true), node("other", false)];
  const edges = [exitEdge("ask", "ok", "thanks"), exitEdge("thanks", "ok", "other")];

  it("copies the selection with only the connections inside it", () => {
    const content = copySelection(nodes, edges)!;
    expect(content.elements.map((element) => element.id)).toEqual(["ask", "thanks"]);
    expect(content.connections).toEqual([["ask", "ok", "thanks"]]);
    expect(copySelection([node("x", false)], [])).toBeNull();
  });

  it("pastes copies with new ids, the inner connection kept, moved by the offset", () => {
    const content = copySelection(nodes, edges)!;
    const pasted = pasteContent(content, new Set(nodes.map((n) => n.id)), { x: 40, y: 40 });
    const [ask, thanks] = pasted.nodes;
    expect(ask!.id).not.toBe("ask");
    expect(thanks!.id).not.toBe("thanks");
    expect(new Set(pasted.nodes.map((n) => n.id)).size).toBe(2);
    expect(ask!.position).toEqual({ x: 140, y: 90 });
    expect(pasted.edges.map((edge) => [edge.source, edge.sourceHandle, edge.target])).toEqual([[ask!.id, "ok", thanks!.id]]);
    // The copies share nothing with the originals.
    (ask!.data.config.buttons as Array<{ caption: string }>)[0]!.caption = "Changed";
    expect((nodes[0]!.data.config.buttons as Array<{ caption: string }>)[0]!.caption).toBe("OK");
  });

  it("reads back what it wrote and nothing else", () => {
    const content = copySelection(nodes, edges)!;
    expect(parseClipboard(JSON.stringify(content))).toEqual(content);
    expect(parseClipboard("hello")).toBeNull();
    expect(parseClipboard(JSON.stringify({ kind: "other", elements: [] }))).toBeNull();
    expect(parseClipboard(null)).toBeNull();
  });
});
