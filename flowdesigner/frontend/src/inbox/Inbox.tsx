import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { describeError } from "../shared/http";
import { inboxApi } from "./api";
import { MessageCard } from "./MessageCard";
import { mergeMessages } from "./messages";
import { connectInbox, websocketUrl, type ConnectionState } from "./socket";
import type { InboxConfig, Message } from "./types";

const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  denied: "offline",
};

export function Inbox({ config }: { config: InboxConfig }) {
  const api = useMemo(() => inboxApi(config.apiBase, config.csrfToken), [config.apiBase, config.csrfToken]);
  const [messages, setMessages] = useState<Message[]>([]);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [loadError, setLoadError] = useState<string | null>(null);

  const receive = useCallback((incoming: Message[]) => {
    setMessages((current) => mergeMessages(current, incoming));
    setLoadError(null);
  }, []);

  // The REST load shows messages even where websockets do not get through; the socket keeps them live.
  useEffect(() => {
    api.messages().then(receive, (error: unknown) => setLoadError(describeError(error)));
  }, [api, receive]);

  useEffect(() => {
    const socket = connectInbox({
      url: websocketUrl(config.wsUrl, window.location.href),
      onMessages: receive,
      onState: setConnection,
    });
    return () => socket.close();
  }, [config.wsUrl, receive]);

  const bottomRef = useRef<HTMLDivElement>(null);
  const newestId = messages.at(-1)?.id;
  useEffect(() => {
    bottomRef.current?.scrollIntoView({ block: "end" });
  }, [newestId]);

  const answer = useCallback(
    async (messageId: number, buttonId: string) => receive([await api.answer(messageId, buttonId)]),
    [api, receive],
  );

  return (
    <div className="inbox">
      <header className="inbox-header">
        <h1>{config.personName}</h1>
        <span className={`connection connection-${connection}`} data-testid="connection">
          {CONNECTION_LABELS[connection]}
        </span>
      </header>
      {connection === "denied" && (
        <p className="notice error-text" role="alert">
          Please log in again.
        </p>
      )}
      {loadError && (
        <p className="notice error-text" role="alert">
          Messages could not be loaded: {loadError}
        </p>
      )}
      <main className="message-list">
        {messages.length === 0 && !loadError && <p className="muted empty">No messages yet.</p>}
        {messages.map((message) => (
          <MessageCard key={message.id} message={message} onAnswer={(buttonId) => answer(message.id, buttonId)} />
        ))}
        <div ref={bottomRef} />
      </main>
    </div>
  );
}
