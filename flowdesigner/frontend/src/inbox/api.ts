import { jsonClient } from "../shared/http";
import type { Message } from "./types";

export function inboxApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    messages: () => http.get<Message[]>(`${apiBase}inbox/messages/`),
    answer: (messageId: number, buttonId: string) =>
      http.post<Message>(`${apiBase}inbox/messages/${messageId}/answer/`, { button_id: buttonId }),
  };
}

export type InboxApi = ReturnType<typeof inboxApi>;
