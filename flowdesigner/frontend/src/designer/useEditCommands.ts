import { useEffect, useRef } from "react";
import { copySelection, pasteContent, PASTE_OFFSET, readClipboard, writeClipboard, type ClipboardContent } from "./clipboard";
import type { XY } from "./types";
import type { FlowGraph } from "./useFlowGraph";

export interface EditCommands {
  copy(): void;
  cut(): void;
  paste(): void;
  duplicate(): void;
  deleteSelection(): void;
  selectAll(): void;
  undo(): void;
  redo(): void;
}

/** Whether a key event belongs to a text field (its own undo, copy and select all win there). */
function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) {
    return false;
  }
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The canvas's editing commands (clipboard, duplicate, delete, select all, undo/redo) and their keyboard
 * shortcuts: Ctrl/Cmd + C, X, V, D, A, Z, Shift+Z and Y, while `active` and not typing in a field.
 * `centre()` is the visible canvas's middle in flow coordinates, where elements copied in another flow land.
 */
export function useEditCommands(graph: FlowGraph, centre: () => XY | null, active: boolean): EditCommands {
  const { nodes, edges, pasteElements, removeElements, selectNodes, undo, redo } = graph;
  // How many times the clipboard has been pasted into this flow, so each paste lands a step further.
  const pastes = useRef<{ content: string; count: number }>({ content: "", count: 0 });

  function paste() {
    const content = readClipboard();
    if (content) {
      place(content);
    }
  }

  function place(content: ClipboardContent) {
    const taken = new Set(nodes.map((node) => node.id));
    const key = JSON.stringify(content);
    pastes.current = { content: key, count: pastes.current.content === key ? pastes.current.count + 1 : 1 };
    const step = PASTE_OFFSET * pastes.current.count;
    let offset: XY = { x: step, y: step };
    // Copied in another flow (or its originals are gone): bring them to where the user is looking.
    if (!content.elements.some((element) => taken.has(element.id))) {
      const middle = centre();
      if (middle) {
        const left = Math.min(...content.elements.map((element) => element.position.x));
        const top = Math.min(...content.elements.map((element) => element.position.y));
        offset = { x: middle.x - left + step - PASTE_OFFSET, y: middle.y - top + step - PASTE_OFFSET };
      }
    }
    const pasted = pasteContent(content, taken, offset);
    pasteElements(pasted.nodes, pasted.edges);
  }

  function copy() {
    const content = copySelection(nodes, edges);
    if (content) {
      writeClipboard(content);
      pastes.current = { content: JSON.stringify(content), count: 0 };
    }
  }

  function deleteSelection() {
    const nodeIds = new Set(nodes.filter((node) => node.selected).map((node) => node.id));
    const edgeIds = new Set(edges.filter((edge) => edge.selected).map((edge) => edge.id));
    if (nodeIds.size > 0 || edgeIds.size > 0) {
      removeElements(nodeIds, edgeIds);
    }
  }

  function cut() {
    copy();
    deleteSelection();
  }

  function duplicate() {
    const content = copySelection(nodes, edges);
    if (content) {
      const pasted = pasteContent(content, new Set(nodes.map((node) => node.id)), { x: PASTE_OFFSET, y: PASTE_OFFSET });
      pasteElements(pasted.nodes, pasted.edges);
    }
  }

  const selectAll = () => selectNodes(() => true);

  const commands: EditCommands = { copy, cut, paste, duplicate, deleteSelection, selectAll, undo, redo };
  const latest = useRef(commands);
  latest.current = commands;

  useEffect(() => {
    if (!active) {
      return;
    }
    function onKeyDown(event: KeyboardEvent) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || inTextField(event.target)) {
        return;
      }
      const run = latest.current;
      const key = event.key.toLowerCase();
      const action =
        key === "z" && event.shiftKey
          ? run.redo
          : key === "z"
            ? run.undo
            : key === "y"
              ? run.redo
              : event.shiftKey
                ? undefined
                : { c: run.copy, x: run.cut, v: run.paste, d: run.duplicate, a: run.selectAll }[key];
      if (action) {
        event.preventDefault();
        action();
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [active]);

  return commands;
}
