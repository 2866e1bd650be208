const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** Wait before reconnect attempt `attempt` (0-based): 0.5 s, 1 s, 2 s, ... capped at 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
}
