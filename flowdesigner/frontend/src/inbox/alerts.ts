/**
 * A message's alert: the sound (Web Audio), vibration and notification a newly arrived message makes,
 * repeated at its interval until it is answered or dismissed.
 *
 * The first half is pure (what to play, when, for which messages) and tested without a browser; the
 * browser adapter at the end only turns a decision into sound, vibration and a notification.
 */
import { isAnswered } from "./messages";
import type { AlertInterval, AlertType, Message, MessageAlert } from "./types";

/** One tone of an alert, in milliseconds from the alert's start; several frequencies sound together. */
export interface Tone {
  at: number;
  duration: number;
  frequencies: number[];
}

const BEEP: Tone = { at: 0, duration: 250, frequencies: [880] };

/** A ring is bursts of two tones (0.4 s on, 0.2 s off, 0.4 s on) then 1 s of silence: 2 s a cycle. */
const RING_BURST_MS = 400;
const RING_GAP_MS = 200;
const RING_CYCLE_MS = 2000;
const RING_FREQUENCIES = [440, 480];

const RING_SECONDS: Partial<Record<AlertType, number>> = { RING_5: 5, RING_15: 15, RING_30: 30, RING_60: 60 };

const INTERVAL_SECONDS: Record<AlertInterval, number | null> = {
  NONE: null,
  INTERVAL_5: 5,
  INTERVAL_15: 15,
  INTERVAL_30: 30,
  INTERVAL_60: 60,
  INTERVAL_300: 300,
  INTERVAL_900: 900,
  INTERVAL_3600: 3600,
};

/** The tones of one alert: none when silent, one short tone for a beep, N seconds of ringing for RING_N. */
export function alertTones(type: AlertType): Tone[] {
  if (type === "BEEP") {
    return [BEEP];
  }
  const seconds = RING_SECONDS[type];
  if (seconds === undefined) {
    return [];
  }
  const end = seconds * 1000;
  const tones: Tone[] = [];
  for (let cycle = 0; cycle < end; cycle += RING_CYCLE_MS) {
    for (const at of [cycle, cycle + RING_BURST_MS + RING_GAP_MS]) {
      if (at + RING_BURST_MS <= end) {
        tones.push({ at, duration: RING_BURST_MS, frequencies: RING_FREQUENCIES });
      }
    }
  }
  return tones;
}

/** How long one alert sounds, in ms: a ring lasts its N seconds. */
export function alertDuration(type: AlertType): number {
  const seconds = RING_SECONDS[type];
  if (seconds !== undefined) {
    return seconds * 1000;
  }
  return type === "BEEP" ? BEEP.duration : 0;
}

/** Whether the alert does anything at all: a sound, or vibration. */
export function isAudible(alert: MessageAlert): boolean {
  return alert.type !== "SILENT" || alert.vibrate;
}

/**
 * Milliseconds from one alert's start to the next, or null when it does not repeat. A repeat never starts
 * before the previous ring has finished, so a long ring with a short interval rings back to back.
 */
export function repeatDelay(alert: MessageAlert): number | null {
  const seconds = INTERVAL_SECONDS[alert.interval];
  return seconds === null ? null : Math.max(seconds * 1000, alertDuration(alert.type));
}

/** navigator.vibrate's pattern (on, off, on, ...) for an alert: the tones' rhythm, or a short buzz. */
export function vibrationPattern(type: AlertType): number[] {
  const tones = alertTones(type);
  if (tones.length === 0) {
    return [200, 100, 200];
  }
  const pattern: number[] = [];
  let end = 0;
  for (const tone of tones) {
    if (pattern.length > 0) {
      pattern.push(tone.at - end);
    }
    pattern.push(tone.duration);
    end = tone.at + tone.duration;
  }
  return pattern;
}

/**
 * The messages among `incoming` whose alert should start: new to this page (not in `known`), not yet
 * answered, with an alert that does something, and only once the page has loaded what was already there
 * (`loaded`), so opening the inbox does not ring for old messages.
 */
export function alertsToStart(known: ReadonlySet<number>, loaded: boolean, incoming: readonly Message[]): Message[] {
  if (!loaded) {
    return [];
  }
  return incoming.filter(
    (message) =>
      message.direction === "out" &&
      !known.has(message.id) &&
      !isAnswered(message) &&
      !message.locked &&
      isAudible(message.alert),
  );
}

/** Whether a running alert must stop: the message was answered, dismissed or locked. */
export function alertIsOver(message: Message): boolean {
  return isAnswered(message) || message.locked;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface AlertSchedulerOptions {
  /** Make the alert once; `count` is how many times this message's alert has now played (1 = first). */
  play(message: Message, count: number): void;
  timers?: Timers;
}

/** Plays each started message's alert now and again at its interval, until stopped. */
export class AlertScheduler {
  private readonly running = new Map<number, { handle: unknown; count: number }>();
  private readonly play: AlertSchedulerOptions["play"];
  private readonly timers: Timers;

  constructor({ play, timers }: AlertSchedulerOptions) {
    this.play = play;
    this.timers = timers ?? {
      setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    };
  }

  /** Starts `message`'s alert unless it is already running. */
  start(message: Message): void {
    if (this.running.has(message.id)) {
      return;
    }
    const entry = { handle: undefined as unknown, count: 0 };
    this.running.set(message.id, entry);
    const delay = repeatDelay(message.alert);
    const fire = () => {
      entry.count += 1;
      this.play(message, entry.count);
      if (delay === null) {
        this.running.delete(message.id);
      } else if (this.running.get(message.id) === entry) {
        entry.handle = this.timers.setTimeout(fire, delay);
      }
    };
    fire();
  }

  stop(messageId: number): void {
    const entry = this.running.get(messageId);
    if (entry) {
      this.timers.clearTimeout(entry.handle);
      this.running.delete(messageId);
    }
  }

  stopAll(): void {
    for (const id of [...this.running.keys()]) {
      this.stop(id);
    }
  }

  isRunning(messageId: number): boolean {
    return this.running.has(messageId);
  }
}

// --- the browser adapter --------------------------------------------------------------------------------

/**
 * Sound, vibration and notification for one alert in this browser. Each part is skipped where the browser
 * lacks it; sound needs the page to have been interacted with once (browsers' autoplay rule), which
 * `unlockAudio` arranges.
 */
export function browserAlertOutput() {
  let audio: AudioContext | null = null;

  function context(): AudioContext | null {
    if (audio === null && typeof AudioContext !== "undefined") {
      audio = new AudioContext();
    }
    if (audio?.state === "suspended") {
      void audio.resume().catch(() => undefined);
    }
    return audio;
  }

  function sound(type: AlertType): void {
    const tones = alertTones(type);
    const ctx = tones.length > 0 ? context() : null;
    if (!ctx) {
      return;
    }
    const start = ctx.currentTime + 0.05;
    for (const tone of tones) {
      const begin = start + tone.at / 1000;
      const end = begin + tone.duration / 1000;
      const gain = ctx.createGain();
      // Short ramps so a tone starts and stops without a click.
      gain.gain.setValueAtTime(0, begin);
      gain.gain.linearRampToValueAtTime(0.2 / tone.frequencies.length, begin + 0.02);
      gain.gain.setValueAtTime(0.2 / tone.frequencies.length, end - 0.02);
      gain.gain.linearRampToValueAtTime(0, end);
      gain.connect(ctx.destination);
      for (const frequency of tone.frequencies) {
        const oscillator = ctx.createOscillator();
        oscillator.frequency.value = frequency;
        oscillator.connect(gain);
        oscillator.start(begin);
        oscillator.stop(end);
      }
    }
  }

  return {
    play(message: Message, count: number): void {
      sound(message.alert.type);
      if (message.alert.vibrate && typeof navigator !== "undefined" && "vibrate" in navigator) {
        navigator.vibrate(vibrationPattern(message.alert.type));
      }
      if (count === 1 && document.hidden && notificationPermission() === "granted") {
        new Notification(message.sender_name || "New message", { body: message.text, tag: `message-${message.id}` });
      }
    },
    /** Lets sound play after the first click or key press on the page; returns the clean-up. */
    unlockAudio(): () => void {
      const unlock = () => {
        context();
        remove();
      };
      const remove = () => {
        window.removeEventListener("pointerdown", unlock);
        window.removeEventListener("keydown", unlock);
      };
      window.addEventListener("pointerdown", unlock);
      window.addEventListener("keydown", unlock);
      return remove;
    },
    close(): void {
      void audio?.close().catch(() => undefined);
      audio = null;
    },
  };
}

/** The page's notification permission, or "unsupported" where the browser has no notifications. */
export function notificationPermission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}
