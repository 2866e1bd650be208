import { useEffect, useState } from "react";
import { describeError } from "../shared/http";
import type { InboxApi } from "./api";
import type { Poke } from "./pokes";

type Notice = { kind: "ok" | "error"; text: string } | null;

/**
 * The service menu: one button per poke the person can start. A button is disabled while its start is
 * pending (a second tap cannot start the flow twice); a refusal is shown with the server's reason. The
 * flow's first messages arrive live through the inbox socket like any other (a reconnect syncs them).
 */
export function ServiceMenu({ api }: { api: InboxApi }) {
  const [pokes, setPokes] = useState<Poke[]>([]);
  const [pending, setPending] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice>(null);

  useEffect(() => {
    api.pokes().then(setPokes, () => setPokes([]));
  }, [api]);

  if (pokes.length === 0) {
    return null;
  }

  const start = async (poke: Poke) => {
    setPending(poke.code);
    setNotice(null);
    try {
      const result = await api.startPoke(poke);
      setNotice({ kind: "ok", text: result.detail });
    } catch (error) {
      setNotice({ kind: "error", text: `${poke.label} could not start: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  return (
    <details className="services" data-testid="services">
      <summary>Services</summary>
      <div className="services-list">
        {pokes.map((poke) => (
          <button
            key={poke.code}
            type="button"
            className="service-button"
            data-testid={`poke-${poke.tag}`}
            // Never the flow's name: that is staff's internal name, not meant for the people served.
            title={poke.description || undefined}
            disabled={pending !== null}
            aria-busy={pending === poke.code}
            onClick={() => void start(poke)}
          >
            {pending === poke.code ? `${poke.label}…` : poke.label}
          </button>
        ))}
      </div>
      {notice && (
        <p
          className={notice.kind === "error" ? "services-notice error-text" : "services-notice"}
          role={notice.kind === "error" ? "alert" : "status"}
          data-testid="services-notice"
        >
          {notice.text}
        </p>
      )}
    </details>
  );
}
