export interface MessageButton {
  id: string;
  caption: string;
  /** "" or tel://, confirm://, geo://, http(s)://, mailto: (see actions.ts). */
  action: string;
}

export type AlertType = "SILENT" | "BEEP" | "RING_5" | "RING_15" | "RING_30" | "RING_60";
export type AlertInterval =
  | "NONE"
  | "INTERVAL_5"
  | "INTERVAL_15"
  | "INTERVAL_30"
  | "INTERVAL_60"
  | "INTERVAL_300"
  | "INTERVAL_900"
  | "INTERVAL_3600";

export interface MessageAlert {
  type: AlertType;
  interval: AlertInterval;
  vibrate: boolean;
}

export interface Attachment {
  name: string;
  url: string;
  content_type: string;
  size: number;
}

import type { FormResult, FormSpec } from "./forms";

export interface BrandingColors {
  /** CSS colours as the package's meta tags give them; "" when it gives none. */
  background: string;
  text: string;
  scheme: "light" | "dark";
}

export interface Message {
  id: number;
  /** "out": sent to the person (a card); "in": what the person wrote in the composer (their own bubble). */
  direction: "out" | "in";
  flow_name: string;
  text: string;
  created_at: string;
  buttons: MessageButton[];
  allow_dismiss: boolean;
  dismiss_caption: string;
  /** The key of the branding package the text is shown in (a sandboxed iframe); null for plain text. */
  branding: string | null;
  /** The branding's colours for the card; null without a branding or when the package is gone. */
  branding_colors: BrandingColors | null;
  alert: MessageAlert;
  auto_lock: boolean;
  attachments: Attachment[];
  answered_button_id: string | null;
  answered_caption: string | null;
  dismissed: boolean;
  answered_at: string | null;
  /** Answered (or dismissed) and auto-locked: no further answers. */
  locked: boolean;
  /** A form message's form; null for a plain message. Answered with button "positive" or "negative". */
  form: FormSpec | null;
  form_result: FormResult | null;
  /** The answer as the person should read it back (a form's value, or the caption). */
  display_value: string | null;
}

/** What answering sends: a button, the dismiss, or a form's button (with the value when positive). */
export type Answer =
  | { button_id: string }
  | { dismiss: true }
  | { form: { button: "positive"; value: unknown } | { button: "negative" } };

export interface InboxConfig {
  wsUrl: string;
  csrfToken: string;
  apiBase: string;
  personName: string;
}
