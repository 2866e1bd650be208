/**
 * The flow performance page: a version picker driving every section, the totals, activity over time, a
 * funnel, exits, answers by button and by form widget, delivery and external sources. Everything comes
 * from the report API; the flow's websocket says when counts changed, and the page fetches again (at most
 * once a second).
 */

import { useCallback, useEffect, useMemo, useState } from "react";
import { connectFlowSocket, type LiveState, throttledRunner } from "../shared/flowSocket";
import { describeError, isAbort } from "../shared/http";
import { ActivitySection } from "./ActivitySection";
import { reportsApi } from "./api";
import { FormsSection } from "./FormsSection";
import { FunnelSection } from "./FunnelSection";
import { DeliverySection, ExitsSection, MessagesSection, SourcesSection } from "./Sections";
import { Totals } from "./Totals";
import type { PerformanceConfig, Report } from "./types";

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  closed: "Not live (reload the page)",
};

export function PerformancePage({ config }: { config: PerformanceConfig }) {
  const api = useMemo(() => reportsApi(config), [config]);
  const [version, setVersion] = useState<number | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped when the flow's counts change: every section that fetches depends on it.
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState<LiveState>("connecting");

  useEffect(() => {
    // A tick starts the sections' fetches (each aborts its previous one), so a run is just the bump.
    const refresh = throttledRunner(async () => setTick((n) => n + 1), 1000);
    const socket = connectFlowSocket({
      flowId: config.flowId,
      pageUrl: window.location.href,
      // A reconnect may have missed changes: fetch again.
      onConnected: refresh.request,
      // Launch progress is the flow page's business; counts are ours.
      onChanged: (what) => {
        if (what !== "launches") {
          refresh.request();
        }
      },
      onState: setLive,
    });
    return () => {
      refresh.cancel();
      socket.close();
    };
  }, [config.flowId]);

  useEffect(() => {
    const controller = new AbortController();
    api.report(version, controller.signal).then(
      (fresh) => {
        setReport(fresh);
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) {
          setError(describeError(failure));
        }
      },
    );
    return () => controller.abort();
  }, [api, version, tick]);

  const pickVersion = useCallback((value: string) => setVersion(value === "" ? null : Number(value)), []);

  return (
    <div className="performance">
      <div className="performance-head">
        <h1>Performance: {config.flowName}</h1>
        <p className={`live-indicator live-${live}`} role="status" data-testid="live" data-state={live}>
          <span aria-hidden="true" className="live-dot" /> {LIVE_TEXT[live]}
        </p>
      </div>
      <nav className="performance-links" aria-label="Flow pages">
        <a href={config.flowUrl}>← Flow</a>
        <a href={config.participantsUrl}>Participants</a>
      </nav>
      <div className="performance-controls">
        <label>
          Version{" "}
          <select
            data-testid="version"
            value={version === null ? "" : String(version)}
            onChange={(event) => pickVersion(event.target.value)}
          >
            <option value="">All versions</option>
            {(report?.versions ?? []).map((v) => (
              <option key={v.number} value={v.number}>
                v{v.number} (published {v.published_at.slice(0, 10)})
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error-text" role="alert" data-testid="report-error">
          {report ? `Could not refresh the report: ${error}` : error}
        </p>
      )}
      {!report && !error && <p className="muted">Loading the report…</p>}
      {report && (
        <>
          <Totals totals={report.totals} />
          <ActivitySection api={api} version={version} tick={tick} />
          {report.definition ? (
            <>
              <FunnelSection definition={report.definition} counts={report.nodes} />
              <ExitsSection definition={report.definition} counts={report.nodes} />
              <MessagesSection definition={report.definition} counts={report.nodes} />
              <FormsSection
                definition={report.definition}
                nodes={report.nodes}
                api={api}
                version={version}
                tick={tick}
                participantsUrl={config.participantsUrl}
              />
            </>
          ) : (
            <p className="card">This flow is not published yet: its elements show here once it is.</p>
          )}
          <DeliverySection report={report} />
          <SourcesSection report={report} />
        </>
      )}
    </div>
  );
}
