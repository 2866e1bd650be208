import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { describeError } from "../shared/http";
import { websocketUrl } from "../shared/websocket";
import { Composer, OwnMessage } from "./Composer";
import { alertIsOver, alertsToStart, AlertScheduler, browserAlertOutput, notificationPermission } from "./alerts";
import { inboxApi } from "./api";
import { MessageCard } from "./MessageCard";
import { mergeMessages, readMessage } from "./messages";
import { ServiceMenu } from "./ServiceMenu";
import { connectInbox, type ConnectionState } from "./socket";
import type { Answer, InboxConfig, Message } from "./types";

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
  const [alertCounts, setAlertCounts] = useState<ReadonlyMap<number, number>>(new Map());
  const alerts = useAlerts(setAlertCounts);

  const receive = useCallback(
    (incoming: Message[]) => {
      alerts.receive(incoming);
      setMessages((current) => mergeMessages(current, incoming));
      setLoadError(null);
    },
    [alerts],
  );

  // The REST load shows messages even where websockets do not get through; the socket keeps them live.
  useEffect(() => {
    api.messages().then(receive, (error: unknown) => setLoadError(describeError(error)));
  }, [api, receive]);

  useEffect(() => {
    const socket = connectInbox({
      url: websocketUrl(config.wsUrl, window.location.href),
      onMessages: (incoming) => receive(incoming.map(readMessage)),
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
    async (messageId: number, given: Answer) => receive([await api.answer(messageId, given)]),
    [api, receive],
  );

  const send = useCallback(async (text: string) => receive([await api.send(text)]), [api, receive]);

  return (
    <div className="inbox">
      <header className="inbox-header">
        <h1>{config.personName}</h1>
        <div className="inbox-header-side">
          <NotificationsButton />
          <span className={`connection connection-${connection}`} data-testid="connection">
            {CONNECTION_LABELS[connection]}
          </span>
        </div>
      </header>
      <ServiceMenu api={api} />
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
        {messages.map((message) =>
          message.direction === "in" ? (
            <OwnMessage key={message.id} text={message.text} createdAt={message.created_at} />
          ) : (
            <MessageCard
              key={message.id}
              message={message}
              alerts={alertCounts.get(message.id) ?? 0}
              onAnswer={(given) => answer(message.id, given)}
              onUpload={api.upload}
            />
          ),
        )}
        <div ref={bottomRef} />
      </main>
      <Composer onSend={send} />
    </div>
  );
}

/**
 * Alerts for messages that arrive while the page is open: started for new unanswered messages once the
 * first load is in, stopped when a message is answered, dismissed or locked (here or elsewhere) and when
 * the inbox goes away. Each play is counted for the card's data-alerts.
 */
function useAlerts(setCounts: (update: (counts: ReadonlyMap<number, number>) => ReadonlyMap<number, number>) => void) {
  const [state] = useState(() => {
    const output = browserAlertOutput();
    const scheduler = new AlertScheduler({
      play(message, count) {
        output.play(message, count);
        setCounts((counts) => new Map(counts).set(message.id, count));
      },
    });
    return { output, scheduler, known: new Set<number>(), loaded: false };
  });

  useEffect(() => {
    const removeUnlock = state.output.unlockAudio();
    return () => {
      removeUnlock();
      state.scheduler.stopAll();
      state.output.close();
    };
  }, [state]);

  return useMemo(
    () => ({
      receive(incoming: Message[]) {
        const starting = alertsToStart(state.known, state.loaded, incoming);
        for (const message of incoming) {
          state.known.add(message.id);
          if (alertIsOver(message)) {
            state.scheduler.stop(message.id);
          }
        }
        state.loaded = true;
        for (const message of starting) {
          state.scheduler.start(message);
        }
      },
    }),
    [state],
  );
}

/** Asks for permission to show notifications, only when pressed (never on load). */
function NotificationsButton() {
  const [permission, setPermission] = useState(notificationPermission);
  if (permission !== "default") {
    return null;
  }
  return (
    <button
      type="button"
      className="enable-notifications"
      data-testid="enable-notifications"
      onClick={() => {
        const ask = Notification.requestPermission();
        void ask.then(setPermission, () => setPermission(notificationPermission()));
      }}
    >
      Enable notifications
    </button>
  );
}
