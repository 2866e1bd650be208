/**
 * Form messages: the distribution of answers suited to each widget (bars for choices, a histogram for
 * sliders and dates, ranges in order), or the latest answers for widgets that are listed, not counted
 * (text, a location, a photo).
 */

import { useEffect, useId, useState } from "react";
import { describeError, isAbort } from "../shared/http";
import { answersTable, asLocation, asPhoto, formatUtc, mapUrl } from "./answers";
import type { ReportsApi } from "./api";
import { BarsCard, CsvButton, DataTable, formatCount } from "./ChartCard";
import { type Bar, choiceBars, dateHistogram, rangeBars, sliderHistogram } from "./histogram";
import { nodeName } from "./names";
import { exitLabel } from "./sections";
import type { Answer, Answers, FlowDoc, FlowDocNode, NodeReport, Report } from "./types";

const personName = (answer: Answer): string => answer.person?.name ?? "A deleted person";

const WIDGET_LABELS: Record<string, string> = {
  single_select: "Single choice",
  multi_select: "Multiple choice",
  slider: "Slider",
  range_slider: "Range slider",
  date_select: "Date",
  text_line: "Text line",
  text_block: "Text block",
  auto_complete: "Text with suggestions",
  gps_location: "Location",
  photo_upload: "Photo",
};

const LISTED = new Set(["text_line", "text_block", "auto_complete", "gps_location", "photo_upload"]);

function widgetOf(node: FlowDocNode): Record<string, unknown> {
  const widget = node.config.widget;
  return widget && typeof widget === "object" ? (widget as Record<string, unknown>) : {};
}

/** The bars of a counted widget; null for a listed one. */
function valueBars(type: string, widget: Record<string, unknown>, values: Record<string, number>): Bar[] | null {
  switch (type) {
    case "single_select":
    case "multi_select":
      return choiceBars(values, widget.choices);
    case "slider":
      return sliderHistogram(values, widget);
    case "range_slider":
      return rangeBars(values);
    case "date_select":
      // Time mode counts times of day ("HH:MM"), in order; the other modes count days.
      return widget.mode === "time"
        ? Object.entries(values)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([label, count]) => ({ label, count }))
        : dateHistogram(values);
    default:
      return LISTED.has(type) ? null : Object.entries(values).map(([label, count]) => ({ label, count }));
  }
}

function Summary({ node, counts }: { node: FlowDocNode; counts: NodeReport | undefined }) {
  const exits = counts?.exits ?? {};
  return (
    <p className="muted">
      {WIDGET_LABELS[String(widgetOf(node).type)] ?? "Form"} · {formatCount(counts?.entered ?? 0)} received it ·{" "}
      {exitLabel(node, "positive")}: {formatCount(exits.positive ?? 0)} · {exitLabel(node, "negative")}:{" "}
      {formatCount(exits.negative ?? 0)} · waiting: {formatCount(counts?.waiting ?? 0)}
    </p>
  );
}

interface FormsSectionProps {
  definition: FlowDoc;
  nodes: Report["nodes"];
  api: ReportsApi;
  version: number | null;
  tick: number;
  participantsUrl: string;
}

export function FormsSection({ definition, nodes, api, version, tick, participantsUrl }: FormsSectionProps) {
  const forms = definition.nodes.filter((node) => node.type === "form_message");
  if (forms.length === 0) {
    return null;
  }
  return (
    <section className="report-section" aria-labelledby="forms-heading">
      <h2 id="forms-heading">Form answers</h2>
      <div className="report-grid">
        {forms.map((node) => {
          const widget = widgetOf(node);
          const type = String(widget.type ?? "");
          const counts = nodes[node.id];
          const bars = valueBars(type, widget, counts?.values ?? {});
          return bars ? (
            <BarsCard
              key={node.id}
              title={nodeName(node)}
              testId={`form-${node.id}`}
              bars={bars}
              labelColumn={type === "date_select" ? "Day" : "Answer"}
              countColumn="Answers"
              horizontal={type !== "slider" && type !== "date_select"}
              summary={<Summary node={node} counts={counts} />}
              empty="No answers yet."
            />
          ) : (
            <AnswersCard
              key={node.id}
              node={node}
              type={type}
              counts={counts}
              api={api}
              version={version}
              tick={tick}
              participantsUrl={participantsUrl}
            />
          );
        })}
      </div>
    </section>
  );
}

interface AnswersCardProps {
  node: FlowDocNode;
  type: string;
  counts: NodeReport | undefined;
  api: ReportsApi;
  version: number | null;
  tick: number;
  participantsUrl: string;
}

function AnswersCard({ node, type, counts, api, version, tick, participantsUrl }: AnswersCardProps) {
  const [answers, setAnswers] = useState<Answers | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showTable, setShowTable] = useState(false);
  const headingId = useId();
  const title = nodeName(node);

  useEffect(() => {
    const controller = new AbortController();
    api.answers(node.id, version, controller.signal).then(
      (fresh) => {
        setAnswers(fresh);
        setError(null);
      },
      (failure: unknown) => {
        if (!isAbort(failure)) {
          setError(describeError(failure));
        }
      },
    );
    return () => controller.abort();
  }, [api, node.id, version, tick]);

  const list = answers?.answers ?? [];
  const table = answersTable(list);
  const participantLink = (id: number) => `${participantsUrl}${id}/`;

  return (
    <section className="card report-card" aria-labelledby={headingId} data-testid={`form-${node.id}`}>
      <div className="report-card-head">
        <h3 id={headingId}>{title}</h3>
        <div className="report-card-tools">
          <button type="button" className="secondary" aria-pressed={showTable} onClick={() => setShowTable((s) => !s)}>
            {showTable ? "Show answers" : "Show table"}
          </button>
          <CsvButton title={`Answers: ${title}`} table={table} />
        </div>
      </div>
      <Summary node={node} counts={counts} />
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {showTable ? (
        <DataTable table={table} caption={`Latest answers: ${title}`} />
      ) : list.length === 0 ? (
        <p className="muted">{answers ? "No answers yet." : "Loading the answers…"}</p>
      ) : type === "photo_upload" ? (
        <ul className="photo-gallery" aria-label={`Latest photos: ${title}`}>
          {list.map((answer) => {
            const photo = asPhoto(answer.value);
            return (
              <li key={answer.participant}>
                <figure>
                  {photo ? (
                    <a href={photo.url} target="_blank" rel="noopener noreferrer">
                      <img src={photo.url} alt={`Photo from ${personName(answer)}`} loading="lazy" />
                    </a>
                  ) : (
                    <span className="muted">{answer.display}</span>
                  )}
                  <figcaption>
                    <a href={participantLink(answer.participant)}>{personName(answer)}</a>, {formatUtc(answer.at)}
                  </figcaption>
                </figure>
              </li>
            );
          })}
        </ul>
      ) : (
        <ul className="answer-list" aria-label={`Latest answers: ${title}`}>
          {list.map((answer) => {
            const location = type === "gps_location" ? asLocation(answer.value) : null;
            return (
              <li key={answer.participant}>
                <a href={participantLink(answer.participant)}>{personName(answer)}</a>{" "}
                <span className="muted">{formatUtc(answer.at)}</span>:{" "}
                {location ? (
                  <a href={mapUrl(location)} target="_blank" rel="noopener noreferrer">
                    {location.latitude.toFixed(6)}, {location.longitude.toFixed(6)}
                  </a>
                ) : (
                  <span className="answer-text">{answer.display}</span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
