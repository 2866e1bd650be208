/**
 * Flow API (engine/core/elements/flow_api.py): no config. Integrators add participants with
 * POST /moments/1/flows/{flowId}/participants (Infobip's "Add participants to flow"), authorised with an
 * API key; the panel shows this flow's URL and a request to copy.
 */
import { isVariableName, type FlowVariable, type VariableType } from "../../variables";
import type { Exit } from "../types";

/** The URL integrators post participants to. */
export function participantsUrl(origin: string, flowId: number): string {
  return `${origin}/moments/1/flows/${flowId}/participants`;
}

const SAMPLE_VALUES: Record<VariableType, unknown> = {
  text: "text",
  number: 42,
  boolean: true,
  date: "2030-01-31",
  datetime: "2030-01-31T09:00:00+01:00",
  list: ["item"],
};

/** One participant with a sample value for each declared variable (those with a usable name). */
export function sampleBody(variables: readonly FlowVariable[]): object {
  const values = Object.fromEntries(
    variables.filter((variable) => isVariableName(variable.name)).map((variable) => [variable.name, SAMPLE_VALUES[variable.type]]),
  );
  const participant: Record<string, unknown> = { identifyBy: { identifier: "32470123456", type: "PHONE" } };
  if (Object.keys(values).length > 0) {
    participant.variables = values;
  }
  return { participants: [participant] };
}

/** A curl command adding one participant, to copy into a terminal (the key left for the reader). */
export function curlExample(origin: string, flowId: number, variables: readonly FlowVariable[]): string {
  return [
    `curl -X POST '${participantsUrl(origin, flowId)}' \\`,
    `  -H 'Authorization: App <key>' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${JSON.stringify(sampleBody(variables), null, 2)}'`,
  ].join("\n");
}

export const flowApiExits = (): Exit[] => [{ name: "next", label: "Next" }];
