import { jsonClient } from "../shared/http";
import { readMessage } from "./messages";
import type { Answer, Message } from "./types";

export function inboxApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    messages: async (): Promise<Message[]> =>
      (await http.get<unknown[]>(`${apiBase}inbox/messages/`)).map(readMessage),
    answer: async (messageId: number, answer: Answer): Promise<Message> =>
      readMessage(await http.post<unknown>(`${apiBase}inbox/messages/${messageId}/answer/`, answer)),
  };
}

export type InboxApi = ReturnType<typeof inboxApi>;
