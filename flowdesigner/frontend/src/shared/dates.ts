/**
 * Date widget values: epoch seconds, read as UTC wall-clock time (like Rogerthat's date widget, whose
 * dates carry no time zone: what the person picks is what the service receives and what is shown back).
 *
 *   mode "date"       "2025-07-12"        ⇄ epoch seconds of that day at 00:00 UTC
 *   mode "time"       "14:30"             ⇄ seconds since midnight (the epoch on 1 January 1970)
 *   mode "date_time"  "2025-07-12T14:30"  ⇄ epoch seconds of that minute, UTC
 */

export type DateMode = "date" | "time" | "date_time";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The value of an <input type=date|time|datetime-local> for `epoch`, or "" for null/invalid. */
export function epochToInput(epoch: number | null | undefined, mode: DateMode): string {
  if (typeof epoch !== "number" || !Number.isFinite(epoch)) {
    return "";
  }
  const date = new Date(epoch * 1000);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  switch (mode) {
    case "date":
      return day;
    case "time":
      return time;
    case "date_time":
      return `${day}T${time}`;
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/** Epoch seconds for an input's value, or null when it is empty or not a valid value of that mode. */
export function inputToEpoch(text: string, mode: DateMode): number | null {
  const trimmed = text.trim();
  let dayPart = "1970-01-01";
  let timePart = "00:00";
  if (mode === "date") {
    dayPart = trimmed;
  } else if (mode === "time") {
    timePart = trimmed;
  } else {
    const [day = "", time = "", ...rest] = trimmed.split("T");
    if (rest.length > 0) {
      return null;
    }
    dayPart = day;
    timePart = time;
  }
  const d = DATE.exec(dayPart);
  const t = TIME.exec(timePart);
  if (!d || !t) {
    return null;
  }
  const [year, month, dayOfMonth] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hours, minutes, seconds] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  if (hours > 23 || minutes > 59 || seconds > 59) {
    return null;
  }
  const ms = Date.UTC(year, month - 1, dayOfMonth, hours, minutes, seconds);
  const check = new Date(ms);
  // Date.UTC rolls 31 February over into March: that is not a date anyone picked.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== dayOfMonth) {
    return null;
  }
  return ms / 1000;
}

/** `epoch` moved to the nearest multiple of `minuteInterval` minutes (no change for date mode or an
 * interval of 1 or less). */
export function snapToInterval(epoch: number, mode: DateMode, minuteInterval: number): number {
  if (mode === "date" || !Number.isFinite(minuteInterval) || minuteInterval <= 1) {
    return epoch;
  }
  const step = Math.round(minuteInterval) * 60;
  return Math.round(epoch / step) * step;
}

/** The `step` attribute of the input, in seconds (an <input type=date> steps in days: 1). */
export function inputStep(mode: DateMode, minuteInterval: number): number {
  if (mode === "date") {
    return 1;
  }
  return Number.isFinite(minuteInterval) && minuteInterval > 1 ? Math.round(minuteInterval) * 60 : 60;
}

export function inputType(mode: DateMode): "date" | "time" | "datetime-local" {
  return mode === "date" ? "date" : mode === "time" ? "time" : "datetime-local";
}
