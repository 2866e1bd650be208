/** The performance page's numbers per section, from the report (pure: the components only draw them). */

import type { Bar } from "./histogram";
import { nodeName } from "./names";
import type { FlowDoc, FlowDocNode, NodeReport, Report, TableData } from "./types";

/** Exits every element may have besides its own (a removal, a reply timeout, an unmatched text reply). */
const EXIT_LABELS: Record<string, string> = {
  dismiss: "Dismissed",
  no_answer: "No answer (timed out)",
  timed_out: "Timed out",
  other: "Other reply",
  removed: "Taken out of the flow",
  "": "Completed here",
};

function buttonsOf(node: FlowDocNode): Array<{ id: string; caption: string }> {
  const buttons = Array.isArray(node.config.buttons) ? node.config.buttons : [];
  return buttons.flatMap((button: unknown) => {
    if (!button || typeof button !== "object") {
      return [];
    }
    const { id, caption } = button as { id?: unknown; caption?: unknown };
    return typeof id === "string" ? [{ id, caption: typeof caption === "string" && caption ? caption : id }] : [];
  });
}

/** How people read exit `exit` of `node`: a button's caption, a form's caption, or what the exit means. */
export function exitLabel(node: FlowDocNode | undefined, exit: string): string {
  if (node) {
    const button = buttonsOf(node).find((b) => b.id === exit);
    if (button) {
      return button.caption;
    }
    const caption = node.config[`${exit}_caption`];
    if ((exit === "positive" || exit === "negative" || exit === "dismiss") && typeof caption === "string" && caption) {
      return caption;
    }
  }
  return EXIT_LABELS[exit] ?? exit;
}

/**
 * A Message's answers: one bar per button in the message's order (zeros included), then its other exits
 * (dismiss, no answer, other reply, a removal, or a button an older version had) when someone took them.
 */
export function messageBars(node: FlowDocNode, counts: NodeReport | undefined): Bar[] {
  const exits = counts?.exits ?? {};
  const buttons = buttonsOf(node);
  const ids = new Set(buttons.map((b) => b.id));
  const bars = buttons.map((b) => ({ label: b.caption, count: exits[b.id] ?? 0 }));
  for (const [exit, count] of Object.entries(exits)) {
    if (!ids.has(exit) && count > 0) {
      bars.push({ label: exitLabel(node, exit), count });
    }
  }
  return bars;
}

/** How many completed at each Exit element, in the definition's order. */
export function exitElementBars(definition: FlowDoc, nodes: Record<string, NodeReport>): Bar[] {
  return definition.nodes
    .filter((node) => node.type === "exit")
    .map((node) => ({ label: nodeName(node), count: nodes[node.id]?.exits?.[""] ?? 0 }));
}

/** Every element's exits with how many took each: the definition's exits, then others someone took. */
export function elementExitsTable(definition: FlowDoc, nodes: Record<string, NodeReport>): TableData {
  const rows: TableData["rows"] = [];
  for (const node of definition.nodes) {
    if (node.type === "exit") {
      continue;
    }
    const taken = nodes[node.id]?.exits ?? {};
    const names = [...Object.keys(node.exits), ...Object.keys(taken).filter((e) => !(e in node.exits))];
    for (const exit of names) {
      if (exit in node.exits || (taken[exit] ?? 0) > 0) {
        rows.push([nodeName(node), exitLabel(node, exit), taken[exit] ?? 0]);
      }
    }
  }
  return { columns: ["Element", "Exit", "Passed"], rows };
}

/** Bars as a two-column table. */
export function barsTable(bars: Bar[], labelColumn: string, countColumn = "Count"): TableData {
  return { columns: [labelColumn, countColumn], rows: bars.map((b) => [b.label, b.count]) };
}

const DELIVERY_STATES = ["queued", "sent", "delivered", "read", "failed", "expired"];
const CHANNEL_LABELS: Record<string, string> = { web: "Web inbox", sms: "SMS", email: "Email", voice: "Voice" };

export const channelLabel = (channel: string): string => CHANNEL_LABELS[channel] ?? channel;
export const stateLabel = (state: string): string => state.charAt(0).toUpperCase() + state.slice(1);

/** Messages by channel (rows) and state (columns: the usual order, then any other state in use). */
export function deliveryTable(delivery: Report["delivery"]): { channels: string[]; states: string[]; table: TableData } {
  const channels = Object.keys(delivery).filter((c) => Object.values(delivery[c] ?? {}).some((n) => n > 0));
  const used = new Set(channels.flatMap((c) => Object.keys(delivery[c] ?? {})));
  const others = [...used].filter((s) => !DELIVERY_STATES.includes(s)).sort();
  const states = [...DELIVERY_STATES.filter((s) => used.has(s)), ...others];
  return {
    channels,
    states,
    table: {
      columns: ["Channel", ...states.map(stateLabel), "Total"],
      rows: channels.map((c) => {
        const counts = states.map((s) => delivery[c]?.[s] ?? 0);
        return [channelLabel(c), ...counts, counts.reduce((a, b) => a + b, 0)];
      }),
    },
  };
}

const SOURCE_LABELS: Record<string, string> = { flow_api: "Flow API", sftp: "SFTP imports" };

/** External sources with any count: operations or files, valid and invalid rows. */
export function sourcesTable(sources: Report["sources"]): TableData {
  const rows: TableData["rows"] = [];
  for (const [key, counts] of Object.entries(sources)) {
    if (!Object.values(counts).some((n) => n > 0)) {
      continue;
    }
    rows.push([SOURCE_LABELS[key] ?? key, counts.operations ?? counts.files ?? 0, counts.valid ?? 0, counts.invalid ?? 0]);
  }
  return { columns: ["Source", "Operations or files", "Valid", "Invalid"], rows };
}

/** Completion rate: the share of those who entered who completed the flow (0..100), null before anyone entered. */
export function completionRate(totals: Report["totals"]): number | null {
  const entered = totals.entered ?? 0;
  return entered > 0 ? ((totals.completed ?? 0) / entered) * 100 : null;
}
