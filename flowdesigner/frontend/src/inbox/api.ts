import { jsonClient } from "../shared/http";
import { readMessage } from "./messages";
import type { Upload } from "./forms";
import { readPokes, readPokeStarted, type Poke, type PokeStarted } from "./pokes";
import type { Answer, Message } from "./types";

export function inboxApi(apiBase: string, csrfToken: string) {
  const http = jsonClient(csrfToken);
  return {
    messages: async (): Promise<Message[]> =>
      (await http.get<unknown[]>(`${apiBase}inbox/messages/`)).map(readMessage),
    /** Writes a message (free text or a keyword) to the service: the stored message, or ApiError with why. */
    send: async (text: string): Promise<Message> =>
      readMessage(await http.post<unknown>(`${apiBase}inbox/messages/`, { text })),
    answer: async (messageId: number, answer: Answer): Promise<Message> =>
      readMessage(await http.post<unknown>(`${apiBase}inbox/messages/${messageId}/answer/`, answer)),
    /** Stores a photo for a photo upload widget; the answer then refers to it by id. */
    upload: (file: File): Promise<Upload> => {
      const body = new FormData();
      body.append("file", file);
      return http.postForm<Upload>(`${apiBase}inbox/uploads/`, body);
    },
    /** The services menu: pokes the person can start. */
    pokes: async (): Promise<Poke[]> => readPokes(await http.get<unknown>(`${apiBase}inbox/pokes/`)),
    startPoke: async (poke: Poke): Promise<PokeStarted> =>
      readPokeStarted(await http.post<unknown>(`${apiBase}inbox/pokes/${encodeURIComponent(poke.code)}/`, {}), poke),
  };
}

export type InboxApi = ReturnType<typeof inboxApi>;
