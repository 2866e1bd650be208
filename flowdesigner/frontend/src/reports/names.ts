/** Names of flow elements as people recognise them: the element's name, else its text (shortened), else its id. */

import type { FlowDoc, FlowDocNode } from "./types";

const MAX_NAME = 48;

const TYPE_LABELS: Record<string, string> = {
  predefined_audience: "Predefined audience",
  profile_change: "Change in profile",
  people_event: "People event",
  date_time: "Date or time",
  flow_api: "Flow API",
  existing_flow: "Existing flow",
  sftp_import: "SFTP import",
  inbound_message: "Inbound message",
  inbound_call: "Inbound call",
  message: "Message",
  form_message: "Form message",
  evaluate_reply: "Evaluate reply",
  wait: "Wait",
  condition_split: "Condition split",
  random_split: "Random split",
  update_person: "Update person",
  update_tags: "Update tags",
  call_url: "Call URL",
  add_to_flow: "Add to flow",
  send_results: "Send results",
  email_results: "Email results",
  exit: "Exit",
};

/** "Form message" for "form_message"; an unknown type reads as its words. */
export function typeLabel(type: string): string {
  const known = TYPE_LABELS[type];
  if (known) {
    return known;
  }
  const words = type.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Whitespace collapsed, cut with "…" after `max` characters. */
export function shorten(text: string, max = MAX_NAME): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/** The element's name, else its text (shortened), else its id. */
export function nodeName(node: FlowDocNode): string {
  for (const key of ["name", "text"] as const) {
    const value = node.config[key];
    if (typeof value === "string" && value.trim()) {
      return shorten(value);
    }
  }
  return node.id;
}

/** Element id -> name, for a whole definition; an id not in it is its own name. */
export function nameLookup(definition: FlowDoc): (nodeId: string) => string {
  const byId = new Map(definition.nodes.map((node) => [node.id, nodeName(node)]));
  return (nodeId) => byId.get(nodeId) ?? nodeId;
}
