import { useState } from "react";
import type { AttributeInfo } from "../../../segments/types";
import { useOperatorTable, useSftpConnections } from "../../catalog";
import { FieldIssues, useIssuesAt } from "../../components/FieldIssues";
import { VariableNameInput } from "../../components/VariableNameInput";
import type { JsonObject } from "../../types";
import { STANDARD_ATTRIBUTE_KEYS } from "../form_message/config";
import type { EditorProps } from "../types";
import {
  contactProblem,
  DELIMITER_LABELS,
  DELIMITERS,
  delimiterProblem,
  isNamedDelimiter,
  readSftpImport,
  type AttributeColumn,
  type VariableColumn,
} from "./config";

export function SftpImportEditor({ nodeId, config, onChange }: EditorProps) {
  const sftp = readSftpImport(config);
  const issuesAt = useIssuesAt(nodeId);
  const set = (changes: JsonObject) => onChange({ ...config, ...changes });
  return (
    <>
      <p className="hint muted">
        Every few minutes the folder is checked for new files; each file is imported once, and each valid row enters
        the flow. Files already imported are left as they are.
      </p>
      <ConnectionField
        connection={sftp.connection}
        messages={issuesAt("config.connection")}
        onChange={(connection) => set({ connection })}
      />
      <label className="field">
        <span>Folder</span>
        <input
          data-testid="field-sftp-path"
          value={sftp.path}
          placeholder="/outbox"
          aria-invalid={!sftp.path.trim() || issuesAt("config.path").length > 0}
          onChange={(event) => set({ path: event.target.value })}
        />
        <FieldIssues messages={issuesAt("config.path")} />
      </label>
      <label className="field">
        <span>File name pattern (optional)</span>
        <input
          data-testid="field-sftp-pattern"
          value={sftp.pattern}
          placeholder="*.csv"
          aria-describedby="sftp-pattern-hint"
          onChange={(event) => set({ pattern: event.target.value })}
        />
        <span id="sftp-pattern-hint" className="hint muted">
          <code>*</code> stands for any characters, <code>?</code> for exactly one: <code>J???Data.csv</code> takes
          JuneData.csv and JulyData.csv. Empty: every file.
        </span>
        <FieldIssues messages={issuesAt("config.pattern")} />
      </label>
      <DelimiterField
        delimiter={sftp.delimiter}
        messages={issuesAt("config.delimiter")}
        onChange={(delimiter) => set({ delimiter })}
      />
      <ContactField
        contact={sftp.contact}
        messages={issuesAt("config.contact", true)}
        onChange={(contact) => set({ contact })}
      />
      <AttributeColumns
        rows={sftp.attributes}
        issuesAt={issuesAt}
        onChange={(attributes) => set({ attributes })}
      />
      <VariableColumns rows={sftp.variables} issuesAt={issuesAt} onChange={(variables) => set({ variables })} />
    </>
  );
}

interface ConnectionFieldProps {
  connection: number | null;
  messages: string[];
  onChange(connection: number | null): void;
}

/** The server to fetch from; servers are added, tested and edited on their own page. */
function ConnectionField({ connection, messages, onChange }: ConnectionFieldProps) {
  const connections = useSftpConnections();
  const list = connections.status === "loaded" ? connections.value : [];
  const known = list.some((item) => item.id === connection);
  return (
    <label className="field">
      <span>SFTP server</span>
      <select
        data-testid="field-sftp-connection"
        value={connection ?? ""}
        disabled={connections.status === "loading"}
        aria-invalid={connection === null || messages.length > 0}
        onChange={(event) => onChange(event.target.value ? Number(event.target.value) : null)}
      >
        <option value="">Choose a server…</option>
        {list.map((item) => (
          <option key={item.id} value={item.id}>
            {item.name} ({item.username}@{item.host}:{item.port})
          </option>
        ))}
        {connection !== null && !known && <option value={connection}>Server #{connection}</option>}
      </select>
      {connections.status === "loading" && <span className="muted">Loading the servers…</span>}
      {connections.status === "failed" && (
        <span className="error-text">The servers could not be loaded ({connections.error}); reopen this entry to try again.</span>
      )}
      {connections.status === "loaded" && list.length === 0 && (
        <span className="hint muted" data-testid="no-sftp-connections">
          There are no SFTP servers yet.
        </span>
      )}
      <FieldIssues messages={messages} />
      <a href="/sftp/connections/" target="_blank" rel="noopener" data-testid="manage-sftp-connections">
        Add or edit SFTP servers
      </a>
    </label>
  );
}

interface DelimiterFieldProps {
  delimiter: string;
  messages: string[];
  onChange(delimiter: string): void;
}

/** The named delimiters, or Custom with one character typed. */
function DelimiterField({ delimiter, messages, onChange }: DelimiterFieldProps) {
  // Custom stays chosen, and its input may be empty, while the character is being typed; the config keeps
  // the delimiter it had until there is one.
  const [custom, setCustom] = useState(!isNamedDelimiter(delimiter));
  const [typed, setTyped] = useState(isNamedDelimiter(delimiter) ? "" : delimiter);
  const problem = messages.length > 0 ? messages : delimiterProblem(delimiter) ? [delimiterProblem(delimiter)!] : [];
  return (
    <div className="field">
      <span id="sftp-delimiter-label">Delimiter</span>
      <div className="field-pair">
        <select
          data-testid="field-sftp-delimiter"
          aria-labelledby="sftp-delimiter-label"
          value={custom ? "custom" : delimiter}
          onChange={(event) => {
            const choice = event.target.value;
            setCustom(choice === "custom");
            if (choice !== "custom") {
              onChange(choice);
            } else if (typed) {
              onChange(typed);
            }
          }}
        >
          {DELIMITERS.map((name) => (
            <option key={name} value={name}>
              {DELIMITER_LABELS[name]}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
        {custom && (
          <input
            data-testid="field-sftp-delimiter-custom"
            aria-label="Custom delimiter character"
            maxLength={1}
            placeholder="one character"
            value={typed}
            aria-invalid={problem.length > 0 || !typed}
            onChange={(event) => {
              setTyped(event.target.value);
              if (event.target.value) {
                onChange(event.target.value);
              }
            }}
          />
        )}
      </div>
      <span className="hint muted">
        {custom && !typed
          ? `Type the character; until then the files are split at ${delimiter === "tab" ? "tabs" : `“${delimiter}”`}.`
          : "It must be the one the files use to separate values."}
      </span>
      <FieldIssues messages={problem} />
    </div>
  );
}

interface ContactFieldProps {
  contact: { phone: string; email: string };
  messages: string[];
  onChange(contact: { phone: string; email: string }): void;
}

function ContactField({ contact, messages, onChange }: ContactFieldProps) {
  const problem = messages.length > 0 ? messages : contactProblem(contact) ? [contactProblem(contact)!] : [];
  return (
    <fieldset className="field">
      <legend>Contact columns</legend>
      <div className="field-pair">
        <label className="sub-field">
          <span>Phone number column</span>
          <input
            data-testid="field-sftp-phone"
            value={contact.phone}
            placeholder="Mobile"
            aria-invalid={problem.length > 0}
            onChange={(event) => onChange({ ...contact, phone: event.target.value })}
          />
        </label>
        <label className="sub-field">
          <span>Email address column</span>
          <input
            data-testid="field-sftp-email"
            value={contact.email}
            placeholder="Email"
            aria-invalid={problem.length > 0}
            onChange={(event) => onChange({ ...contact, email: event.target.value })}
          />
        </label>
      </div>
      <span className="hint muted">
        Column names exactly as in the file; at least one of the two. A row whose phone or email is wrong is skipped; a
        row with one valid and the other empty is imported.
      </span>
      <FieldIssues messages={problem} />
    </fieldset>
  );
}

type IssuesAt = (field: string, nested?: boolean) => string[];

interface AttributeColumnsProps {
  rows: AttributeColumn[];
  issuesAt: IssuesAt;
  onChange(rows: AttributeColumn[]): void;
}

/** Columns saved into person attributes (which must exist in People first). */
function AttributeColumns({ rows, issuesAt, onChange }: AttributeColumnsProps) {
  const table = useOperatorTable();
  const attributes: AttributeInfo[] =
    table.status === "loaded"
      ? table.value.attributes.filter((info) => !info.standard || STANDARD_ATTRIBUTE_KEYS.includes(info.key))
      : [];
  return (
    <fieldset className="field">
      <legend>Person attributes</legend>
      {table.status === "failed" && <span className="error-text">Attributes could not be loaded: {table.error}</span>}
      {rows.length > 0 && (
        <ol className="button-rows">
          {rows.map((row, index) => {
            const at = `config.attributes[${index}]`;
            const known = attributes.some((info) => info.key === row.attribute);
            return (
              <li key={index} className="mapping-row">
                <ColumnInput
                  testId={`sftp-attribute-column-${index}`}
                  value={row.column}
                  messages={issuesAt(`${at}.column`)}
                  onChange={(column) => onChange(rows.with(index, { ...row, column }))}
                />
                <label className="sub-field">
                  <span>Into attribute</span>
                  <select
                    data-testid={`sftp-attribute-${index}`}
                    value={row.attribute}
                    aria-invalid={!row.attribute || issuesAt(`${at}.attribute`).length > 0}
                    onChange={(event) => onChange(rows.with(index, { ...row, attribute: event.target.value }))}
                  >
                    <option value="">Choose…</option>
                    {attributes.map((info) => (
                      <option key={info.key} value={info.key}>
                        {info.label} ({info.key})
                      </option>
                    ))}
                    {row.attribute && !known && <option value={row.attribute}>{row.attribute}</option>}
                  </select>
                  <FieldIssues messages={issuesAt(`${at}.attribute`)} />
                </label>
                <RemoveRow index={index} what="attribute column" onRemove={() => onChange(rows.filter((_, other) => other !== index))} />
              </li>
            );
          })}
        </ol>
      )}
      <button type="button" data-testid="add-sftp-attribute" onClick={() => onChange([...rows, { column: "", attribute: "" }])}>
        Add attribute column
      </button>
    </fieldset>
  );
}

interface VariableColumnsProps {
  rows: VariableColumn[];
  issuesAt: IssuesAt;
  onChange(rows: VariableColumn[]): void;
}

/** Columns kept only for this participation, in flow variables (not saved in People). */
function VariableColumns({ rows, issuesAt, onChange }: VariableColumnsProps) {
  return (
    <fieldset className="field">
      <legend>Flow variables</legend>
      {rows.length > 0 && (
        <ol className="button-rows">
          {rows.map((row, index) => {
            const at = `config.variables[${index}]`;
            return (
              <li key={index} className="mapping-row">
                <ColumnInput
                  testId={`sftp-variable-column-${index}`}
                  value={row.column}
                  messages={issuesAt(`${at}.column`)}
                  onChange={(column) => onChange(rows.with(index, { ...row, column }))}
                />
                <div>
                  <VariableNameInput
                    testId={`sftp-variable-${index}`}
                    label="Into variable"
                    value={row.variable}
                    onChange={(variable) => onChange(rows.with(index, { ...row, variable }))}
                  />
                  <FieldIssues messages={issuesAt(`${at}.variable`)} />
                </div>
                <RemoveRow index={index} what="variable column" onRemove={() => onChange(rows.filter((_, other) => other !== index))} />
              </li>
            );
          })}
        </ol>
      )}
      <button type="button" data-testid="add-sftp-variable" onClick={() => onChange([...rows, { column: "", variable: "" }])}>
        Add variable column
      </button>
    </fieldset>
  );
}

function ColumnInput({ testId, value, messages, onChange }: { testId: string; value: string; messages: string[]; onChange(value: string): void }) {
  return (
    <label className="sub-field">
      <span>Column</span>
      <input
        data-testid={testId}
        value={value}
        placeholder="City"
        aria-invalid={!value.trim() || messages.length > 0}
        onChange={(event) => onChange(event.target.value)}
      />
      <FieldIssues messages={messages} />
    </label>
  );
}

function RemoveRow({ index, what, onRemove }: { index: number; what: string; onRemove(): void }) {
  return (
    <button type="button" aria-label={`Remove ${what} ${index + 1}`} onClick={onRemove}>
      Remove
    </button>
  );
}
