import { useCallback, useEffect, useRef, useState } from "react";
import { connectFlowSocket, throttledRunner, type LiveState } from "../../shared/flowSocket";
import { describeError } from "../../shared/http";
import type { Report } from "../../shared/report";
import { nodeCounts, type NodeCounts, type VersionChoice } from "../results";
import type { FlowDoc } from "../types";
import type { ResultsApi } from "./api";
import type { KeyedStore } from "./keyedStore";

/** The definition the canvas draws, with the key that says when it is a different drawing. */
export interface Drawing {
  key: string;
  definition: FlowDoc;
}

export interface LiveReport {
  report: Report | null;
  drawing: Drawing | null;
  error: string | null;
  loading: boolean;
  live: LiveState;
}

/** At most one report fetch per this long, however often the socket says counts changed. */
const REFETCH_INTERVAL_MS = 1000;

/**
 * The report of one version (or all), kept current: fetched when the version changes, on every (re)connect
 * of the flow's socket and when it says counts changed (throttled). Each element's counts go to `counts`
 * (only changed ones notify their node); the definition is handed out again only when it is another
 * version's, so a refetch never redraws the canvas.
 */
export function useLiveReport(
  api: ResultsApi,
  flowId: number,
  /** null: the newest version, not known yet (all versions are fetched to learn it). */
  choice: VersionChoice | null,
  counts: KeyedStore<NodeCounts>,
): LiveReport {
  const [state, setState] = useState<Omit<LiveReport, "live">>({
    report: null,
    drawing: null,
    error: null,
    loading: true,
  });
  const [live, setLive] = useState<LiveState>("connecting");
  const choiceRef = useRef<VersionChoice>(choice ?? "all");
  const sequence = useRef(0);

  const load = useCallback(async () => {
    const requested = choiceRef.current;
    const mine = ++sequence.current;
    try {
      const report = await api.report(flowId, requested);
      if (mine !== sequence.current) {
        return; // a newer fetch (another version) was started: its answer counts, not this one
      }
      counts.replace(new Map(Object.entries(report.nodes ?? {}).map(([id, raw]) => [id, nodeCounts(raw)])));
      const shown = report.version ?? report.versions[0]?.number ?? "none";
      const key = `${requested}:${shown}`;
      setState((previous) => ({
        report,
        drawing:
          report.definition === null
            ? null
            : previous.drawing?.key === key
              ? previous.drawing
              : { key, definition: report.definition },
        error: null,
        loading: false,
      }));
    } catch (error) {
      if (mine === sequence.current) {
        setState((previous) => ({ ...previous, error: describeError(error), loading: false }));
      }
    }
  }, [api, flowId, counts]);

  // A version switch fetches at once (a person asked for it); the socket's asks go through the throttle.
  useEffect(() => {
    choiceRef.current = choice ?? "all";
    setState((previous) => ({ ...previous, loading: true }));
    void load();
  }, [choice, load]);

  useEffect(() => {
    const runner = throttledRunner(load, REFETCH_INTERVAL_MS);
    const socket = connectFlowSocket({
      flowId,
      pageUrl: window.location.href,
      onConnected: runner.request,
      onChanged: (what) => {
        if (what === "counts") {
          runner.request();
        }
      },
      onState: setLive,
    });
    return () => {
      socket.close();
      runner.cancel();
    };
  }, [flowId, load]);

  return { ...state, live };
}
