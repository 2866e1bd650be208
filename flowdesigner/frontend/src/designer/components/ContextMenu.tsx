import { useEffect, useRef } from "react";
import type { EditCommands } from "../useEditCommands";

export interface MenuPlace {
  /** Where the right click was, in viewport pixels. */
  x: number;
  y: number;
}

interface ContextMenuProps {
  at: MenuPlace;
  commands: EditCommands;
  hasSelection: boolean;
  canUndo: boolean;
  canRedo: boolean;
  onClose(): void;
}

const SHORTCUT = navigator.platform.startsWith("Mac") ? "⌘" : "Ctrl+";

/** The canvas's right-click menu: the editing commands, each with its keyboard shortcut. */
export function ContextMenu({ at, commands, hasSelection, canUndo, canRedo, onClose }: ContextMenuProps) {
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    menu.current?.querySelector<HTMLButtonElement>("button:not(:disabled)")?.focus();
    function onPointer(event: PointerEvent) {
      if (!menu.current?.contains(event.target as Node)) {
        onClose();
      }
    }
    function onKey(event: KeyboardEvent) {
      if (event.key === "Escape") {
        onClose();
      }
    }
    window.addEventListener("pointerdown", onPointer, true);
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("pointerdown", onPointer, true);
      window.removeEventListener("keydown", onKey);
    };
  }, [onClose]);

  const items: Array<{ id: string; label: string; keys: string; run(): void; enabled: boolean }> = [
    { id: "cut", label: "Cut", keys: `${SHORTCUT}X`, run: commands.cut, enabled: hasSelection },
    { id: "copy", label: "Copy", keys: `${SHORTCUT}C`, run: commands.copy, enabled: hasSelection },
    { id: "paste", label: "Paste", keys: `${SHORTCUT}V`, run: commands.paste, enabled: true },
    { id: "duplicate", label: "Duplicate", keys: `${SHORTCUT}D`, run: commands.duplicate, enabled: hasSelection },
    { id: "delete", label: "Delete", keys: "Del", run: commands.deleteSelection, enabled: hasSelection },
    { id: "select-all", label: "Select all", keys: `${SHORTCUT}A`, run: commands.selectAll, enabled: true },
    { id: "undo", label: "Undo", keys: `${SHORTCUT}Z`, run: commands.undo, enabled: canUndo },
    { id: "redo", label: "Redo", keys: `${SHORTCUT}Y`, run: commands.redo, enabled: canRedo },
  ];
  return (
    <div
      ref={menu}
      className="context-menu"
      role="menu"
      aria-label="Edit"
      data-testid="context-menu"
      style={{ left: at.x, top: at.y }}
    >
      {items.map((item) => (
        <button
          key={item.id}
          type="button"
          role="menuitem"
          data-testid={`menu-${item.id}`}
          disabled={!item.enabled}
          onClick={() => {
            onClose();
            item.run();
          }}
        >
          <span>{item.label}</span>
          <kbd>{item.keys}</kbd>
        </button>
      ))}
    </div>
  );
}
