import type { EditorProps } from "../types";

/** Nothing to set: how people arrive here. */
export function ExistingFlowEditor(_props: EditorProps) {
  return (
    <>
      <p className="hint muted" data-testid="existing-flow-explanation">
        People arrive here from other flows: an <strong>Add to flow</strong> step in another active flow hands its
        participants to this entry, with their flow variables, and they carry on from here.
      </p>
      <p className="hint muted">
        Once this flow is published, its entry can be chosen in the other flow’s “Add to flow” step. Use it to build
        modular flows: one flow shared by several others.
      </p>
    </>
  );
}
