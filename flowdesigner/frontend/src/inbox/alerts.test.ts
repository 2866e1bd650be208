import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  alertDuration,
  alertIsOver,
  alertsToStart,
  AlertScheduler,
  alertTones,
  repeatDelay,
  vibrationPattern,
} from "./alerts";
import { testMessage } from "./testMessage";
import type { AlertInterval, AlertType, Message } from "./types";

const withAlert = (id: number, type: AlertType, interval: AlertInterval = "NONE", vibrate = false, changes = {}) =>
  testMessage(id, { alert: { type, interval, vibrate }, ...changes });

describe("alert sound", () => {
  it("is nothing when silent and one short tone for a beep", () => {
    expect(alertTones("SILENT")).toEqual([]);
    expect(alertTones("BEEP")).toEqual([{ at: 0, duration: 250, frequencies: [880] }]);
    expect(alertDuration("BEEP")).toBe(250);
  });

  it.each([
    ["RING_5", 5],
    ["RING_15", 15],
    ["RING_30", 30],
    ["RING_60", 60],
  ] as const)("rings %s for its %i seconds in double bursts", (type, seconds) => {
    const tones = alertTones(type);
    expect(alertDuration(type)).toBe(seconds * 1000);
    const last = tones.at(-1)!;
    expect(last.at + last.duration).toBeLessThanOrEqual(seconds * 1000);
    expect(last.at + last.duration).toBeGreaterThan(seconds * 1000 - 2000);
    // Two bursts per 2 s cycle, none overlapping.
    expect(tones.slice(0, 4).map((tone) => tone.at)).toEqual([0, 600, 2000, 2600]);
    tones.slice(1).forEach((tone, i) => expect(tone.at).toBeGreaterThanOrEqual(tones[i]!.at + tones[i]!.duration));
  });

  it("vibrates in the rhythm of the tones, or a short buzz for a silent alert", () => {
    expect(vibrationPattern("BEEP")).toEqual([250]);
    expect(vibrationPattern("RING_5")).toEqual([400, 200, 400, 1000, 400, 200, 400, 1000, 400, 200, 400]);
    expect(vibrationPattern("SILENT")).toEqual([200, 100, 200]);
  });
});

describe("repeatDelay", () => {
  it.each([
    ["BEEP", "NONE", null],
    ["BEEP", "INTERVAL_5", 5_000],
    ["BEEP", "INTERVAL_15", 15_000],
    ["BEEP", "INTERVAL_30", 30_000],
    ["BEEP", "INTERVAL_60", 60_000],
    ["BEEP", "INTERVAL_300", 300_000],
    ["BEEP", "INTERVAL_900", 900_000],
    ["BEEP", "INTERVAL_3600", 3_600_000],
    ["RING_15", "INTERVAL_5", 15_000],
    ["RING_60", "INTERVAL_30", 60_000],
    ["RING_5", "INTERVAL_60", 60_000],
  ] as const)("%s repeated %s: %s ms from start to start", (type, interval, delay) => {
    expect(repeatDelay({ type, interval, vibrate: false })).toBe(delay);
  });
});

describe("alertsToStart", () => {
  const fresh = withAlert(3, "BEEP");
  it("starts nothing on the first load", () => {
    expect(alertsToStart(new Set(), false, [fresh])).toEqual([]);
  });

  it("starts new, unanswered messages with a sound or vibration once loaded", () => {
    const known = new Set([1, 2]);
    const incoming: Message[] = [
      withAlert(1, "BEEP"),
      withAlert(2, "RING_5"),
      fresh,
      withAlert(4, "SILENT"),
      withAlert(5, "SILENT", "NONE", true),
      withAlert(6, "BEEP", "NONE", false, { answered_button_id: "yes", answered_at: "2025-01-01T10:00:00Z" }),
      withAlert(7, "BEEP", "NONE", false, { dismissed: true }),
      withAlert(8, "BEEP", "NONE", false, { locked: true }),
    ];
    expect(alertsToStart(known, true, incoming).map((message) => message.id)).toEqual([3, 5]);
  });

  it("never alerts for what the person wrote themselves", () => {
    const written = withAlert(8, "BEEP", "NONE", true, { direction: "in" as const });
    expect(alertsToStart(new Set(), true, [written])).toEqual([]);
  });

  it("counts a message as over once answered, dismissed or locked", () => {
    expect(alertIsOver(fresh)).toBe(false);
    expect(alertIsOver({ ...fresh, answered_button_id: "yes" })).toBe(true);
    expect(alertIsOver({ ...fresh, dismissed: true })).toBe(true);
    expect(alertIsOver({ ...fresh, locked: true })).toBe(true);
  });
});

describe("AlertScheduler", () => {
  let played: Array<[number, number]>;
  let scheduler: AlertScheduler;

  beforeEach(() => {
    vi.useFakeTimers();
    played = [];
    scheduler = new AlertScheduler({ play: (message, count) => played.push([message.id, count]) });
  });
  afterEach(() => vi.useRealTimers());

  it("plays once right away when the alert does not repeat", () => {
    scheduler.start(withAlert(1, "BEEP"));
    expect(played).toEqual([[1, 1]]);
    vi.advanceTimersByTime(3_600_000);
    expect(played).toEqual([[1, 1]]);
    expect(scheduler.isRunning(1)).toBe(false);
  });

  it("repeats at the interval until stopped, then never again", () => {
    scheduler.start(withAlert(1, "BEEP", "INTERVAL_5"));
    vi.advanceTimersByTime(4_999);
    expect(played).toHaveLength(1);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(5_000);
    expect(played).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
    scheduler.stop(1);
    vi.advanceTimersByTime(60_000);
    expect(played).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not start a running alert twice, and stops each message on its own", () => {
    const one = withAlert(1, "RING_5", "INTERVAL_5");
    scheduler.start(one);
    scheduler.start(one);
    scheduler.start(withAlert(2, "BEEP", "INTERVAL_15"));
    expect(played).toEqual([
      [1, 1],
      [2, 1],
    ]);
    scheduler.stop(1);
    vi.advanceTimersByTime(15_000);
    expect(played.at(-1)).toEqual([2, 2]);
    expect(played.filter(([id]) => id === 1)).toHaveLength(1);
  });

  it("stops everything at once (the inbox going away)", () => {
    scheduler.start(withAlert(1, "BEEP", "INTERVAL_5"));
    scheduler.start(withAlert(2, "BEEP", "INTERVAL_5"));
    scheduler.stopAll();
    vi.advanceTimersByTime(60_000);
    expect(played).toHaveLength(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
