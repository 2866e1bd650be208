import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { ApiError, describeError } from "../shared/http";
import { issuesIn, type DesignerApi } from "./api";
import type { FlowDoc, Issue } from "./types";

const AUTOSAVE_DELAY_MS = 1500;

type Activity = "saving" | "publishing" | null;

interface Notice {
  text: string;
  tone: "ok" | "error";
}

interface Options {
  api: DesignerApi;
  flowId: number;
  /** The draft revision the loaded document is. */
  revision: number;
  issues: Issue[];
  /** The editor's edit count: it changes whenever the document's content does (pan and zoom do not). */
  edits: number;
  buildDoc(): FlowDoc;
}

export interface DraftSaver {
  status: { text: string; tone: "ok" | "error" | "busy" | "dirty" };
  issues: Issue[];
  /** The server's refusal of a stale save; nothing is saved again until the page is reloaded. */
  conflict: string | null;
  publishing: boolean;
  save(): Promise<void>;
  /** Saves pending changes, if any; false when the draft could not be saved. */
  flush(): Promise<boolean>;
  publish(): Promise<void>;
  /** Shows issues found elsewhere (the Validate button's check of the current document). */
  showIssues(issues: Issue[]): void;
}

/**
 * Saves the draft with the revision it was based on: on demand, and ~1.5 s after the last change.
 * Requests go one at a time, so a save never races the previous one with the same revision.
 */
export function useDraftSaver({ api, flowId, revision, issues: loadedIssues, edits, buildDoc }: Options): DraftSaver {
  const [savedEdits, setSavedEdits] = useState(edits);
  const [issues, setIssues] = useState(loadedIssues);
  const [conflict, setConflict] = useState<string | null>(null);
  const [activity, setActivity] = useState<Activity>(null);
  const [notice, setNotice] = useState<Notice>({ text: "Saved", tone: "ok" });

  // Queued operations run later than the render that queued them, so they read these refs.
  const revisionRef = useRef(revision);
  const savedEditsRef = useRef(edits);
  // The text of the last document saved: a change undone back to it needs no request.
  const savedTextRef = useRef<string | null>(null);
  const conflictRef = useRef<string | null>(null);
  const latest = useRef({ edits, buildDoc });
  useLayoutEffect(() => {
    latest.current = { edits, buildDoc };
  });
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  const enqueue = useCallback(<T,>(operation: () => Promise<T>): Promise<T> => {
    const run = queue.current.then(operation);
    queue.current = run.catch(() => undefined);
    return run;
  }, []);

  const fail = useCallback((error: unknown) => {
    if (error instanceof ApiError && error.status === 409) {
      conflictRef.current = error.message;
      setConflict(error.message);
      setNotice({ text: "Not saved", tone: "error" });
      return;
    }
    const refusedIssues = error instanceof ApiError ? issuesIn(error.body) : null;
    if (refusedIssues) {
      setIssues(refusedIssues);
    }
    setNotice({ text: describeError(error), tone: "error" });
  }, []);

  /** Saves unless the document is unchanged (and `force` is not set); true when the draft is saved. */
  const saveDraft = useCallback(
    async (force: boolean): Promise<boolean> => {
      if (conflictRef.current) {
        return false;
      }
      const { edits: current, buildDoc: build } = latest.current;
      if (!force && current === savedEditsRef.current) {
        return true;
      }
      // Built and serialised here, once per save, never per change.
      const text = JSON.stringify(build());
      if (!force && text === savedTextRef.current) {
        savedEditsRef.current = current;
        setSavedEdits(current);
        return true;
      }
      setActivity("saving");
      try {
        const result = await api.saveDraft(flowId, text, revisionRef.current);
        revisionRef.current = result.revision;
        savedEditsRef.current = current;
        savedTextRef.current = text;
        setSavedEdits(current);
        setIssues(result.issues);
        setNotice({ text: "Saved", tone: "ok" });
        return true;
      } catch (error) {
        fail(error);
        return false;
      } finally {
        setActivity(null);
      }
    },
    [api, flowId, fail],
  );

  const save = useCallback(() => enqueue(() => saveDraft(true)).then(() => undefined), [enqueue, saveDraft]);
  const flush = useCallback(() => enqueue(() => saveDraft(false)), [enqueue, saveDraft]);

  const publish = useCallback(
    () =>
      enqueue(async () => {
        if (!(await saveDraft(false))) {
          return;
        }
        setActivity("publishing");
        try {
          const result = await api.publish(flowId, revisionRef.current);
          setIssues(result.issues);
          setNotice({ text: `Published version ${result.version}`, tone: "ok" });
        } catch (error) {
          fail(error);
        } finally {
          setActivity(null);
        }
      }),
    [api, flowId, enqueue, saveDraft, fail],
  );

  const dirty = edits !== savedEdits;
  useEffect(() => {
    if (!dirty || conflict) {
      return;
    }
    const timer = setTimeout(() => void enqueue(() => saveDraft(false)), AUTOSAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [dirty, edits, conflict, enqueue, saveDraft]);

  // Leaving with changes not yet saved (or still being saved) asks first: the browser shows its warning.
  const unsaved = dirty || activity !== null;
  useEffect(() => {
    if (!unsaved) {
      return;
    }
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [unsaved]);

  return {
    status: statusOf(activity, dirty, notice),
    issues,
    conflict,
    publishing: activity === "publishing",
    save,
    flush,
    publish,
    showIssues: setIssues,
  };
}

function statusOf(activity: Activity, dirty: boolean, notice: Notice): DraftSaver["status"] {
  if (activity === "saving") {
    return { text: "Saving…", tone: "busy" };
  }
  if (activity === "publishing") {
    return { text: "Publishing…", tone: "busy" };
  }
  if (dirty && notice.tone === "ok") {
    return { text: "Unsaved changes", tone: "dirty" };
  }
  return notice;
}
