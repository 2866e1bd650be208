/**
 * The glyph each element type shows beside its name, on the node and in the palette. Plain Unicode
 * symbols with text presentation (no emoji: they would render as boxes without an emoji font), all in
 * common system fonts such as DejaVu Sans. Decoration only: the type's label always stands beside it.
 */
export const ELEMENT_ICONS: Readonly<Record<string, string>> = {
  predefined_audience: "\u265F", // ♟ people chosen up front
  profile_change: "\u27F2", // ⟲ a profile that changed
  people_event: "\u2691", // ⚑ an event about a person
  date_time: "\u25A6", // ▦ a calendar date
  flow_api: "\u2699", // ⚙ an integration adds people
  existing_flow: "\u21AA", // ↪ handed over by another flow
  sftp_import: "\u21E9", // ⇩ files fetched in
  inbound_message: "\u21A9", // ↩ a message the person sends
  inbound_call: "\u260E", // ☎ a call comes in
  message: "\u2709", // ✉ a message sent
  form_message: "\u2611", // ☑ a form to fill in
  evaluate_reply: "\u2387", // ⎇ branches on the reply
  wait: "\u25F7", // ◷ time passes
  condition_split: "\u22D4", // ⋔ branches on conditions
  random_split: "\u2684", // ⚄ branches by chance
  update_person: "\u270E", // ✎ edits the person
  update_tags: "#", // tags
  call_url: "\u21C4", // ⇄ a request and its answer
  add_to_flow: "\u2937", // ⤷ into another flow
  send_results: "\u2197", // ↗ results out to the service
  email_results: "@", // results by email
  exit: "\u21E5", // ⇥ the end of the flow
};

/** For a type this designer does not know yet. */
const UNKNOWN_ICON = "\u25C7"; // ◇

export function elementIcon(type: string): string {
  return ELEMENT_ICONS[type] ?? UNKNOWN_ICON;
}
