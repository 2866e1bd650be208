const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/**
 * Wait before reconnect attempt `attempt` (0-based): 0.5 s, 1 s, 2 s, ... capped at 10 s, less a random
 * part of up to half of it. When a server restarts, every page loses its socket at the same moment; without
 * the jitter they would all retry at the same moments too, each wave of thousands of handshakes arriving
 * at once, and the server would time most of them out. `random` is Math.random's range, [0, 1).
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return Math.round(delay - (delay / 2) * random());
}
