import type { DragEvent, KeyboardEvent } from "react";
import { elementModule } from "../elements";
import { elementIcon } from "../elements/icons";
import type { Category, ElementTypeInfo } from "../types";

/** The drag data type carrying an element type from the palette to the canvas. */
export const PALETTE_DRAG_TYPE = "application/x-flowdesigner-element";

const GROUPS: ReadonlyArray<[Category, string]> = [
  ["entry", "Entry points"],
  ["step", "Steps"],
  ["exit", "Exit"],
];

interface PaletteProps {
  elementTypes: ElementTypeInfo[];
  /** Adds a node of `type` at the middle of the canvas. */
  onAdd(type: string): void;
}

export function Palette({ elementTypes, onAdd }: PaletteProps) {
  return (
    <nav className="palette" aria-label="Elements">
      {GROUPS.map(([category, title]) => {
        const items = elementTypes.filter((info) => info.category === category);
        return (
          items.length > 0 && (
            <section key={category}>
              <h2>{title}</h2>
              <ul>
                {items.map((info) => (
                  <li key={info.type}>
                    <PaletteItem info={info} onAdd={onAdd} />
                  </li>
                ))}
              </ul>
            </section>
          )
        );
      })}
    </nav>
  );
}

function PaletteItem({ info, onAdd }: { info: ElementTypeInfo; onAdd(type: string): void }) {
  if (!elementModule(info.type)) {
    return (
      <div
        className="palette-item"
        data-testid={`palette-${info.type}`}
        aria-disabled="true"
        title="This designer cannot place this element yet."
      >
        <PaletteLabel info={info} />
      </div>
    );
  }

  function onDragStart(event: DragEvent) {
    event.dataTransfer.setData(PALETTE_DRAG_TYPE, info.type);
    event.dataTransfer.effectAllowed = "move";
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      onAdd(info.type);
    }
  }

  return (
    <div
      className="palette-item"
      role="button"
      tabIndex={0}
      draggable
      data-testid={`palette-${info.type}`}
      title="Drag onto the canvas, or press Enter to add"
      onDragStart={onDragStart}
      onClick={() => onAdd(info.type)}
      onKeyDown={onKeyDown}
    >
      <PaletteLabel info={info} />
    </div>
  );
}

/** The type's icon, in its category's colour, before its name (the name alone is the accessible one). */
function PaletteLabel({ info }: { info: ElementTypeInfo }) {
  return (
    <>
      <span className={`element-icon category-${info.category}`} aria-hidden="true">
        {elementIcon(info.type)}
      </span>
      {info.label}
    </>
  );
}
