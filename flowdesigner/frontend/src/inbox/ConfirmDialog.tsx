import { useEffect, useId, useRef } from "react";

interface ConfirmDialogProps {
  text: string;
  onYes(): void;
  onNo(): void;
}

/** The in-page confirmation of a confirm:// button: a modal dialog; Escape counts as "No". */
export function ConfirmDialog({ text, onYes, onNo }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const textId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) {
      dialog.showModal();
    }
    return () => dialog?.close();
  }, []);

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      data-testid="confirm-dialog"
      role="alertdialog"
      aria-describedby={textId}
      onCancel={(event) => {
        event.preventDefault();
        onNo();
      }}
    >
      <p id={textId} className="confirm-text">
        {text || "Are you sure?"}
      </p>
      <div className="confirm-actions">
        <button type="button" data-testid="confirm-no" onClick={onNo}>
          No
        </button>
        <button type="button" className="primary" data-testid="confirm-yes" autoFocus onClick={onYes}>
          Yes
        </button>
      </div>
    </dialog>
  );
}
