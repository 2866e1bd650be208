/**
 * Validation places an Exit after every exit that leads nowhere (the seed: "the Exit element will
 * appear automatically after each unconnected element"), so a flow's ends are visible on the canvas
 * instead of being implied. Pure: the caller adds what this returns and can take exactly that away again.
 */
import type { Edge } from "@xyflow/react";
import type { Exit } from "./elements/types";
import { exitEdge } from "./graph";
import type { ElementNode, JsonObject } from "./types";

/** A node's width before React Flow has measured it (designer.css: .element-node). */
export const NODE_WIDTH = 220;
/** A guess at an unmeasured node's height: a header, a line of summary and an exit or two. */
const DEFAULT_HEIGHT = 100;
/** An Exit node: its header and its name. */
export const EXIT_HEIGHT = 70;
/** Room between a node and the Exit placed after it, and between stacked Exits. */
const GAP_X = 80;
const GAP_Y = 24;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedExits {
  nodes: ElementNode[];
  edges: Edge[];
}

export interface PlaceExitsOptions {
  /** The exits of a node, in the order its handles are drawn. */
  exitsOf(node: ElementNode): Exit[];
  /** A fresh node id that is not in `taken`. */
  newId(taken: ReadonlySet<string>): string;
  /** The config each new Exit starts with. */
  config: JsonObject;
}

function rectOf(node: ElementNode): Rect {
  return {
    x: node.position.x,
    y: node.position.y,
    width: node.measured?.width ?? node.width ?? NODE_WIDTH,
    height: node.measured?.height ?? node.height ?? DEFAULT_HEIGHT,
  };
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width + GAP_Y && b.x < a.x + a.width + GAP_Y && a.y < b.y + b.height + GAP_Y && b.y < a.y + a.height + GAP_Y;
}

/** `wanted`, moved down below whatever it would overlap until it overlaps nothing. Terminates: every
 * move goes below one of finitely many rectangles. */
function freeSpot(wanted: Rect, occupied: readonly Rect[]): Rect {
  let spot = wanted;
  let blocker = occupied.find((rect) => overlaps(spot, rect));
  while (blocker) {
    spot = { ...spot, y: blocker.y + blocker.height + GAP_Y };
    blocker = occupied.find((rect) => overlaps(spot, rect));
  }
  return spot;
}

/**
 * An Exit node and its edge for every exit of every node that has no edge: to the right of its node, at
 * the height of the exit's place among the node's exits, moved down clear of every other node.
 */
export function placeExits(nodes: readonly ElementNode[], edges: readonly Edge[], options: PlaceExitsOptions): PlacedExits {
  const wired = new Set(edges.map((edge) => JSON.stringify([edge.source, edge.sourceHandle ?? null])));
  const taken = new Set(nodes.map((node) => node.id));
  const occupied = nodes.map(rectOf);
  const placed: PlacedExits = { nodes: [], edges: [] };
  for (const node of nodes) {
    const source = rectOf(node);
    options.exitsOf(node).forEach((exit, index) => {
      if (wired.has(JSON.stringify([node.id, exit.name]))) {
        return;
      }
      const spot = freeSpot(
        { x: source.x + source.width + GAP_X, y: source.y + index * (EXIT_HEIGHT + GAP_Y), width: NODE_WIDTH, height: EXIT_HEIGHT },
        occupied,
      );
      const id = options.newId(taken);
      taken.add(id);
      occupied.push(spot);
      placed.nodes.push({
        id,
        type: "element",
        position: { x: spot.x, y: spot.y },
        data: { type: "exit", config: structuredClone(options.config), extra: {}, storedExits: [] },
      });
      placed.edges.push(exitEdge(node.id, exit.name, id));
    });
  }
  return placed;
}
