/** What the pages' websocket clients (the inbox, the flow socket) share: the socket they use and its URL. */

/** The part of the browser's WebSocket these clients use. */
export interface SocketLike {
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  send(data: string): void;
  close(): void;
}

/** The ws:// or wss:// URL for a path, on the page's own host. */
export function websocketUrl(path: string, pageUrl: string): string {
  const url = new URL(path, pageUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : url.protocol === "http:" ? "ws:" : url.protocol;
  return url.toString();
}
