export type DesignerMode = "edit" | "results";

/** "Edit | Results": the draft editor, or the counts of a published version on a read-only canvas. */
export function ModeToggle({ mode, onChange }: { mode: DesignerMode; onChange(mode: DesignerMode): void }) {
  return (
    <div className="mode-toggle" role="group" aria-label="Mode">
      <button
        type="button"
        data-testid="mode-edit"
        aria-pressed={mode === "edit"}
        onClick={() => mode !== "edit" && onChange("edit")}
      >
        Edit
      </button>
      <button
        type="button"
        data-testid="mode-results"
        aria-pressed={mode === "results"}
        title="Live counts of a published version"
        onClick={() => mode !== "results" && onChange("results")}
      >
        Results
      </button>
    </div>
  );
}
