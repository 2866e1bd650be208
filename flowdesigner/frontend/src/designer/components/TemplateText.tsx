import { memo, useMemo } from "react";
import { hasTemplate, templateParts } from "../templateChips";

/**
 * A message text as a node shows it: template variables as chips ("Hi [First name]"), the template
 * code itself on hover. Memoised on the text, so a node that re-renders for another reason does not
 * parse again.
 */
export const TemplateText = memo(function TemplateText({ text }: { text: string }) {
  const parts = useMemo(() => (hasTemplate(text) ? templateParts(text) : null), [text]);
  if (!parts) {
    return <>{text}</>;
  }
  return (
    <>
      {parts.map((part, index) =>
        part.kind === "text" ? (
          part.text
        ) : (
          <span key={index} className="template-chip" title={part.source}>
            {part.label}
          </span>
        ),
      )}
    </>
  );
});
