import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { describeError } from "../shared/http";
import { designerApi } from "./api";
import { FlowEditor } from "./FlowEditor";
import { readResultsLocation, writeResultsLocation, type ResultsLocation, type VersionChoice } from "./results";
import { resultsApi } from "./results/api";
import { ModeToggle, type DesignerMode } from "./results/ModeToggle";
import { ResultsView } from "./results/ResultsView";
import type { DesignerConfig, ElementTypeInfo, FlowDetail } from "./types";

type LoadState =
  | { status: "loading" }
  | { status: "failed"; error: string }
  | { status: "ready"; flow: FlowDetail; elementTypes: ElementTypeInfo[]; generation: number };

export function App({ config }: { config: DesignerConfig }) {
  const api = useMemo(() => designerApi(config.apiBase, config.csrfToken), [config.apiBase, config.csrfToken]);
  const results = useMemo(() => resultsApi(config.apiBase, config.csrfToken), [config.apiBase, config.csrfToken]);
  const [state, setState] = useState<LoadState>({ status: "loading" });
  // Edit or results mode, from ?results=1 (a participant page's "Show on canvas" opens results directly).
  const [place, setPlace] = useState<ResultsLocation>(() => readResultsLocation(window.location.search));
  // The editor is mounted once first shown and then kept (hidden in results mode), so leaving results mode
  // finds the draft exactly as it was, unsaved edits, selection and viewport included.
  const [editorMounted, setEditorMounted] = useState(!place.results);
  const typesByName = useMemo(
    () => new Map(state.status === "ready" ? state.elementTypes.map((info) => [info.type, info]) : []),
    [state],
  );

  const changePlace = useCallback((next: ResultsLocation) => {
    setPlace(next);
    const search = writeResultsLocation(window.location.search, next);
    const url = `${window.location.pathname}${search}${window.location.hash}`;
    window.history.replaceState(window.history.state, "", url);
  }, []);
  const setMode = useCallback(
    (mode: DesignerMode) => {
      if (mode === "edit") {
        setEditorMounted(true);
      }
      changePlace({ results: mode === "results", version: null, participant: null });
    },
    [changePlace],
  );
  const onResultsLocation = useCallback(
    (version: VersionChoice | null, participant: number | null) => changePlace({ results: true, version, participant }),
    [changePlace],
  );

  const load = useCallback(() => {
    Promise.all([api.elementTypes(), api.flow(config.flowId)]).then(
      ([elementTypes, flow]) =>
        setState((previous) => ({
          status: "ready",
          flow,
          elementTypes,
          generation: previous.status === "ready" ? previous.generation + 1 : 0,
        })),
      (error: unknown) => setState({ status: "failed", error: describeError(error) }),
    );
  }, [api, config.flowId]);

  useEffect(load, [load]);

  const mode: DesignerMode = place.results ? "results" : "edit";
  const modeToggle = useMemo(() => <ModeToggle mode={mode} onChange={setMode} />, [mode, setMode]);

  if (state.status === "loading") {
    return <p className="page-message">Loading “{config.flowName}”…</p>;
  }
  if (state.status === "failed") {
    return (
      <div className="page-message" role="alert">
        <p className="error-text">The flow could not be loaded: {state.error}</p>
        <button type="button" onClick={load}>
          Try again
        </button>
      </div>
    );
  }
  return (
    <>
      {editorMounted && (
        <div className="mode-pane" hidden={mode !== "edit"}>
          <ReactFlowProvider key={state.generation}>
            <FlowEditor
              api={api}
              flow={state.flow}
              elementTypes={state.elementTypes}
              flowsUrl={config.flowsUrl}
              onReload={load}
              active={mode === "edit"}
              modeToggle={modeToggle}
            />
          </ReactFlowProvider>
        </div>
      )}
      {mode === "results" && (
        <div className="mode-pane">
          <ReactFlowProvider>
            <ResultsView
              api={results}
              flowId={config.flowId}
              flowName={state.flow.name}
              flowsUrl={config.flowsUrl}
              elementTypes={typesByName}
              initialVersion={place.version ?? state.flow.published_version}
              participantId={place.participant}
              modeToggle={modeToggle}
              onLocationChange={onResultsLocation}
            />
          </ReactFlowProvider>
        </div>
      )}
    </>
  );
}
