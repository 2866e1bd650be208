import { exitsOf } from "./elements";
import type { ElementData } from "./types";

/** Exit labels per node data object. Node data is replaced, never mutated, on an edit: an entry lives as
 * long as that version of the node, and every edge leaving the node shares it. */
const labelsByData = new WeakMap<ElementData, ReadonlyMap<string, string>>();

/**
 * What the canvas calls exit `exit` of a node (a button's caption, a branch's name): the label its exit
 * list shows. Cheap on repeat calls, so a store selector may call it on every store change.
 */
export function exitLabel(data: ElementData | undefined, exit: string): string {
  if (!data) {
    return exit;
  }
  let labels = labelsByData.get(data);
  if (!labels) {
    labels = new Map(exitsOf(data).map((item) => [item.name, item.label]));
    labelsByData.set(data, labels);
  }
  return labels.get(exit) ?? exit;
}
