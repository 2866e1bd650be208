export interface MessageButton {
  id: string;
  caption: string;
}

export interface Message {
  id: number;
  flow_name: string;
  text: string;
  buttons: MessageButton[];
  created_at: string;
  answered_button_id: string | null;
  answered_caption: string | null;
  answered_at: string | null;
  locked: boolean;
}

export interface InboxConfig {
  wsUrl: string;
  csrfToken: string;
  apiBase: string;
  personName: string;
}
