import type { EditorProps } from "../types";
import { emailProblem, readEmailResults } from "./config";

export function EmailResultsEditor({ config, onChange }: EditorProps) {
  const { emails, email_admins: emailAdmins } = readEmailResults(config);

  function setEmails(next: string[]) {
    onChange({ ...config, emails: next });
  }

  return (
    <>
      <fieldset className="field">
        <legend>Send to</legend>
        {emails.length > 0 && (
          <ol className="button-rows">
            {emails.map((email, index) => {
              const problem = emailProblem(email);
              const errorId = `email-error-${index}`;
              return (
                <li key={index} className="email-row">
                  <input
                    type="email"
                    data-testid={`email-${index}`}
                    aria-label={`Address ${index + 1}`}
                    value={email}
                    placeholder="results@example.org"
                    aria-invalid={problem !== null}
                    aria-describedby={problem ? errorId : undefined}
                    onChange={(event) => setEmails(emails.with(index, event.target.value))}
                  />
                  <button
                    type="button"
                    data-testid={`remove-email-${index}`}
                    aria-label={`Remove address ${index + 1}`}
                    onClick={() => setEmails(emails.filter((_, other) => other !== index))}
                  >
                    Remove
                  </button>
                  {problem && (
                    <span id={errorId} className="error-text">
                      {problem}
                    </span>
                  )}
                </li>
              );
            })}
          </ol>
        )}
        <button type="button" data-testid="add-email" onClick={() => setEmails([...emails, ""])}>
          Add address
        </button>
      </fieldset>
      <label className="field check">
        <input
          type="checkbox"
          data-testid="field-email-admins"
          checked={emailAdmins}
          onChange={(event) => onChange({ ...config, email_admins: event.target.checked })}
        />
        Also email the flow’s admins
      </label>
    </>
  );
}
