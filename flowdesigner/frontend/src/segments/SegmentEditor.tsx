import { useEffect, useMemo, useState } from "react";
import { ApiError, describeError, isAbort, isObject } from "../shared/http";
import { useDebouncedValue } from "../shared/useDebouncedValue";
import { segmentsApi } from "./api";
import { type BuilderOptions, RuleBuilder } from "./RuleBuilder";
import { docFromTree, treeFromDoc } from "./subjects";
import { type RowError, rowErrors, type UiGroup } from "./tree";
import type { GroupDoc, Preview, RuleError, SegmentsConfig } from "./types";

const PREVIEW_DELAY_MS = 400;

type Loaded = { status: "loading" } | { status: "failed"; error: string } | { status: "ready"; options: BuilderOptions };

type PreviewState =
  | { status: "idle" }
  | { status: "loading" }
  | { status: "ready"; preview: Preview }
  | { status: "invalid" }
  | { status: "failed"; error: string };

export function SegmentEditor({ config }: { config: SegmentsConfig }) {
  const api = useMemo(() => segmentsApi(config.apiBase, config.csrfToken), [config]);
  const [loaded, setLoaded] = useState<Loaded>({ status: "loading" });
  const [segmentId, setSegmentId] = useState(config.segmentId);
  const [name, setName] = useState(config.name);
  const [tree, setTree] = useState<UiGroup | null>(null);
  const [ruleErrors, setRuleErrors] = useState<RowError[]>([]);
  const [nameError, setNameError] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewState>({ status: "idle" });
  const [saving, setSaving] = useState<"idle" | "saving" | "saved" | { error: string }>("idle");

  useEffect(() => {
    let current = true;
    Promise.all([api.operators(), api.tags(), api.companies(), api.segments()]).then(
      ([table, tags, companies, segments]) => {
        if (!current) {
          return;
        }
        const options = { table, tags, companies, segments: segments.filter((s) => s.id !== config.segmentId) };
        setTree(treeFromDoc(table, config.rules));
        setLoaded({ status: "ready", options });
      },
      (error: unknown) => current && setLoaded({ status: "failed", error: describeError(error) }),
    );
    return () => {
      current = false;
    };
  }, [api, config]);

  const table = loaded.status === "ready" ? loaded.options.table : null;
  const doc = useMemo(
    () => (table && tree ? docFromTree(table, tree) : null),
    [table, tree],
  );
  const docJson = useDebouncedValue(doc ? JSON.stringify(doc) : "", PREVIEW_DELAY_MS);

  useEffect(() => {
    if (!docJson) {
      return;
    }
    const controller = new AbortController();
    setPreview({ status: "loading" });
    api.preview(JSON.parse(docJson) as GroupDoc, controller.signal).then(
      (result) => {
        setPreview({ status: "ready", preview: result });
        setRuleErrors([]);
      },
      (error: unknown) => {
        if (isAbort(error)) {
          return;
        }
        const errors = serverRuleErrors(error);
        if (errors) {
          setRuleErrors(rowErrors(errors));
          setPreview({ status: "invalid" });
        } else {
          setPreview({ status: "failed", error: describeError(error) });
        }
      },
    );
    return () => controller.abort();
  }, [api, docJson]);

  function edit(next: UiGroup) {
    setTree(next);
    if (saving !== "saving") {
      setSaving("idle");
    }
  }

  async function save() {
    if (!doc) {
      return;
    }
    setSaving("saving");
    setNameError(null);
    try {
      const saved = await api.save(segmentId, name, doc);
      setSegmentId(saved.id);
      setSaving("saved");
      if (segmentId === null) {
        window.history.replaceState(null, "", config.editUrlTemplate.replace("{id}", String(saved.id)));
      }
    } catch (error) {
      const errors = serverRuleErrors(error);
      if (errors) {
        setRuleErrors(rowErrors(errors));
      }
      const body = error instanceof ApiError ? error.body : null;
      const nameProblem = isObject(body) && Array.isArray(body.name) ? body.name.join(" ") : null;
      setNameError(nameProblem);
      setSaving({ error: errors || nameProblem ? "Fix the marked problems, then save again." : describeError(error) });
    }
  }

  if (loaded.status === "loading" || !tree) {
    return loaded.status === "failed" ? (
      <p className="error-text">The rule builder could not load: {loaded.error}</p>
    ) : (
      <p className="muted">Loading the rule builder…</p>
    );
  }
  if (loaded.status !== "ready") {
    return null;
  }
  const readOnly = !config.canEdit;
  return (
    <div className="segment-editor">
      <div className="segment-head">
        <label className="segment-name">
          <span>Segment name</span>
          <input
            data-testid="segment-name"
            value={name}
            disabled={readOnly}
            maxLength={200}
            placeholder="e.g. VIPs in Brussels"
            onChange={(event) => {
              setName(event.target.value);
              setNameError(null);
            }}
          />
          {nameError && <span className="error-text" data-testid="name-error">{nameError}</span>}
        </label>
        {!readOnly && (
          <div className="segment-save">
            <button
              type="button"
              data-testid="save-segment"
              disabled={saving === "saving" || !name.trim()}
              onClick={() => void save()}
            >
              {saving === "saving" ? "Saving…" : "Save segment"}
            </button>
            <span data-testid="save-status" role="status" className={typeof saving === "object" ? "error-text" : "muted"}>
              {saving === "saved" ? "Saved." : typeof saving === "object" ? saving.error : ""}
            </span>
            {saving === "saved" && <a href={config.listUrl}>Back to segments</a>}
          </div>
        )}
        {readOnly && <p className="muted">You can view this segment; marketers edit it.</p>}
      </div>
      <div className="segment-body">
        <section className="segment-rules" aria-label="Rules">
          <RuleBuilder
            tree={tree}
            options={loaded.options}
            errors={ruleErrors}
            readOnly={readOnly}
            onChange={edit}
          />
        </section>
        <aside className="segment-preview" aria-label="Live preview">
          <h2>
            <span data-testid="live-count" data-state={preview.status}>
              {preview.status === "ready" ? preview.preview.count : "…"}
            </span>{" "}
            {preview.status === "ready" && preview.preview.count === 1 ? "person" : "people"} now
          </h2>
          {preview.status === "invalid" && <p className="error-text">Fix the marked rules to see who matches.</p>}
          {preview.status === "failed" && <p className="error-text">{preview.error}</p>}
          <ul className="preview-list" data-testid="preview-list">
            {preview.status === "ready" &&
              preview.preview.sample.map((person) => (
                <li key={person.id}>
                  <a href={`/people/${person.id}/`}>
                    {`${person.first_name} ${person.last_name}`.trim() || person.email || person.phone || `#${person.id}`}
                  </a>
                  {person.email && <span className="muted"> {person.email}</span>}
                </li>
              ))}
          </ul>
          {preview.status === "ready" && preview.preview.count > preview.preview.sample.length && (
            <p className="muted">
              and {preview.preview.count - preview.preview.sample.length} more
            </p>
          )}
        </aside>
      </div>
    </div>
  );
}

/** The rule errors of a 400 response ({"rules": [{path, message}]}), or null for other failures. */
export function serverRuleErrors(error: unknown): RuleError[] | null {
  if (!(error instanceof ApiError) || error.status !== 400 || !isObject(error.body)) {
    return null;
  }
  const rules = error.body.rules;
  if (!Array.isArray(rules)) {
    return null;
  }
  const found = rules.filter(
    (item): item is RuleError => isObject(item) && typeof item.path === "string" && typeof item.message === "string",
  );
  // A plain message without a path (e.g. "This field is required.") concerns the whole document.
  const plain = rules.filter((item): item is string => typeof item === "string").map((message) => ({ path: "", message }));
  return [...found, ...plain];
}
