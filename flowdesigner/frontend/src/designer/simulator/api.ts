import { jsonClient } from "../../shared/http";
import type { Answer, Message } from "../../inbox/types";

/** The simulation the server hands back and takes again (engine/simulator.py): the participant's state,
 * the simulated clock and the run's ids. Opaque to the panel except for what it shows. */
export interface Simulation {
  state: SimulationState;
  now: string;
  started_at: string;
  run_id: string;
  seq: number;
}

export interface SimulationState {
  status: "active" | "waiting" | "completed" | "failed";
  current: string | null;
  history: { node_id: string; type: string }[];
  wait: { kind: "reply" | "timer" | "event" | "call" | "quiet_hours"; wake_at: string | null; event: string | null } | null;
  [key: string]: unknown;
}

/** A request the live engine would send: shown, never sent. */
export interface DryRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A message as the inbox shows it, plus where it would go and the branding it would be drawn in. */
export type SimMessage = Message & { channel: string; branding_key: string | null };

interface ItemBase {
  node_id: string | null;
  at: string;
}

/** One thing that happened in a simulated step (POST /api/flows/{id}/simulate/ `items`). */
export type SimItem = ItemBase &
  (
    | { kind: "message"; message: SimMessage }
    | {
        kind: "answer";
        answered_button_id: string | null;
        answered_caption: string;
        display_value: string | null;
        dismissed: boolean;
        form_result: Message["form_result"];
      }
    | { kind: "wait"; wait_kind: string; until: string | null; event: string | null }
    | { kind: "time_travel"; from: string }
    | { kind: "request"; purpose: "call_url" | "results_flush" | "results_end"; request: DryRequest; outcome?: CallOutcome }
    | { kind: "email"; to: string[]; subject: string; body: string }
    | { kind: "person_update"; change: "attributes"; values: Record<string, unknown> }
    | { kind: "person_update"; change: "tags"; add: string[]; remove: string[] }
    | { kind: "handover"; flow_id: number; flow_name: string; entry_id: string; variables: Record<string, unknown> }
    | { kind: "completed"; exit_name: string }
    | { kind: "failed"; reason: string }
    | { kind: "note"; text: string }
  );

export type CallOutcome = "success" | "failure";

export interface SimulationResult {
  simulation: Simulation;
  items: SimItem[];
}

/** An action of the panel: start, answer the waiting message (as the inbox sends it, or text for an
 * Evaluate reply step), skip a wait, or continue a call left waiting. */
export type SimAction =
  | { action: "start"; entry_id?: string }
  | { action: "answer"; answer: Answer | { text: string } }
  | { action: "skip_wait" }
  | { action: "call_result" };

export interface CallSettings {
  call_outcome: CallOutcome;
  /** The response body a successful call returns (JSON paths are read from it). */
  call_body: string;
}

export function simulatorApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    simulate(flowId: number, person: number, action: SimAction, call: CallSettings, simulation: Simulation | null) {
      return http.post<SimulationResult>(`${apiBase}flows/${flowId}/simulate/`, {
        person,
        ...action,
        ...call,
        ...(action.action === "start" ? {} : { simulation }),
      });
    },
  };
}

export type SimulatorApi = ReturnType<typeof simulatorApi>;
