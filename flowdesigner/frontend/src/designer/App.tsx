import { ReactFlowProvider } from "@xyflow/react";
import { useCallback, useEffect, useMemo, useState } from "react";
import { describeError } from "../shared/http";
import { designerApi } from "./api";
import { FlowEditor } from "./FlowEditor";
import type { DesignerConfig, ElementTypeInfo, FlowDetail } from "./types";

type LoadState =
  | { status: "loading" }
  | { status: "failed"; error: string }
  | { status: "ready"; flow: FlowDetail; elementTypes: ElementTypeInfo[]; generation: number };

export function App({ config }: { config: DesignerConfig }) {
  const api = useMemo(() => designerApi(config.apiBase, config.csrfToken), [config.apiBase, config.csrfToken]);
  const [state, setState] = useState<LoadState>({ status: "loading" });

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
    <ReactFlowProvider key={state.generation}>
      <FlowEditor
        api={api}
        flow={state.flow}
        elementTypes={state.elementTypes}
        flowsUrl={config.flowsUrl}
        onReload={load}
      />
    </ReactFlowProvider>
  );
}
