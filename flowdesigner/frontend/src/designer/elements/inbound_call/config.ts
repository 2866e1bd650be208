/** Inbound Call: a call to one of our voice numbers starts the flow; the call's id and numbers can be kept. */
import { isObject } from "../../../shared/http";
import type { JsonObject } from "../../types";
import { describeRecipient } from "../../recipients";
import type { Exit } from "../types";

/** What of the call can be saved, in the order the editor shows them. */
export const CALL_FIELDS = ["call_id", "from", "to"] as const;
export type CallField = (typeof CALL_FIELDS)[number];

export const CALL_FIELD_LABELS: Record<CallField, string> = {
  call_id: "Call ID",
  from: "Caller's number",
  to: "Number called",
};

export interface InboundCallConfig {
  /** One of our voice numbers; "" = any of them. */
  recipient: string;
  /** The flow variable each call field goes into; "" = not saved. */
  variables: Record<CallField, string>;
}

/** The config with every key present; unknown keys of `variables` are kept by `withCallVariable`. */
export function readInboundCall(config: JsonObject): InboundCallConfig {
  const stored = isObject(config.variables) ? config.variables : {};
  const name = (field: CallField) => (typeof stored[field] === "string" ? stored[field] : "");
  return {
    recipient: typeof config.recipient === "string" ? config.recipient : "",
    variables: { call_id: name("call_id"), from: name("from"), to: name("to") },
  };
}

/** `config` with `field` saved into `variable` ("" = not saved); every field is written, as the engine reads it. */
export function withCallVariable(config: JsonObject, field: CallField, variable: string): JsonObject {
  const stored = isObject(config.variables) ? config.variables : {};
  return { ...config, variables: { ...stored, ...readInboundCall(config).variables, [field]: variable } };
}

export const inboundCallExits = (): Exit[] => [{ name: "next", label: "Next" }];

/** The node's lines: the number called, then each saved field ("Caller's number → caller"). */
export function inboundCallSummary(call: InboundCallConfig): string[] {
  return [
    `Call to ${describeRecipient("voice", call.recipient)}`,
    ...CALL_FIELDS.flatMap((field) =>
      call.variables[field] ? [`Saves ${CALL_FIELD_LABELS[field]} → ${call.variables[field]}`] : [],
    ),
  ];
}
