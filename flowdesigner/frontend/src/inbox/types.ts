import type { components } from "../shared/api-schema";
import type { FormResult, FormSpec } from "./forms";

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

export interface BrandingColors {
  /** CSS colours as the package's meta tags give them; "" when it gives none. */
  background: string;
  text: string;
  scheme: "light" | "dark";
}

/** The fields of an inbox message (GET /api/inbox/messages/) that the schema leaves as free JSON. */
type FreeJsonFields = "buttons" | "branding_colors" | "alert" | "attachments" | "form" | "form_result";

/** An inbox message: the schema's InboxMessage (direction "out": sent to the person, a card; "in": what
 * the person wrote in the composer; `branding` the package the text is shown in, null for plain text;
 * `locked`: answered and auto-locked; `display_value`: the answer as the person reads it back), with
 * the fields the schema leaves as free JSON written here. */
export type Message = Omit<components["schemas"]["InboxMessage"], FreeJsonFields> & {
  buttons: MessageButton[];
  /** The branding's colours for the card; null without a branding or when the package is gone. */
  branding_colors: BrandingColors | null;
  alert: MessageAlert;
  attachments: Attachment[];
  /** A form message's form; null for a plain message. Answered with button "positive" or "negative". */
  form: FormSpec | null;
  form_result: FormResult | null;
};

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
